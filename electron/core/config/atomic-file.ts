import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const TEMP_MARK = '.tmp-';

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // some platforms (Windows) cannot open or sync a directory
  } finally {
    await handle?.close();
  }
}

/** Shifts `file.bak.1 … file.bak.(keep-1)` up by one and copies the current file to `file.bak.1`. */
async function rotateBackups(file: string, keep: number, mode: number): Promise<void> {
  if (keep <= 0 || !(await exists(file))) return;
  for (let i = keep - 1; i >= 1; i--) {
    const from = `${file}.bak.${i}`;
    if (await exists(from)) await fs.rename(from, `${file}.bak.${i + 1}`);
  }
  await fs.copyFile(file, `${file}.bak.1`);
  await fs.chmod(`${file}.bak.1`, mode);
}

/**
 * Replaces `file` with `text` so that a reader (or a crash) only ever sees the old or the new
 * content: temp file in the same folder, fsync, rename, fsync of the folder. Keeps the file's mode
 * (0600 for a new file) and the previous versions as `file.bak.N`.
 */
export async function writeFileAtomic(file: string, text: string, opts: { backups?: number } = {}): Promise<void> {
  let mode = 0o600;
  try {
    mode = (await fs.stat(file)).mode & 0o777;
  } catch {
    // new file
  }
  const tmp = tempName(file);
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.chmod(mode);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rotateBackups(file, opts.backups ?? 3, mode);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(file));
}

/** Removes temp files a crashed writer left beside `file`. Returns how many were removed. */
export async function removeStaleTempFiles(file: string): Promise<number> {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}${TEMP_MARK}`;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  const stale = names.filter((n) => n.startsWith(prefix));
  await Promise.all(stale.map((n) => fs.rm(path.join(dir, n), { force: true })));
  return stale.length;
}
