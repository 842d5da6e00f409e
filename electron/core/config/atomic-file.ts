import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const TEMP_MARK = '.tmp-';

/** The file operations that can fail for lack of space or permissions: tests inject faults here. */
export interface AtomicIo {
  open: typeof fs.open;
  rename: typeof fs.rename;
}
const realIo: AtomicIo = { open: (...a) => fs.open(...a), rename: (...a) => fs.rename(...a) };

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

/** Writes `text` to a fresh temp file beside `target`, synced to disk; returns its path. */
async function writeTemp(io: AtomicIo, target: string, text: string | Buffer, mode: number): Promise<string> {
  const tmp = tempName(target);
  const handle = await io.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.chmod(mode);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  return tmp;
}

/**
 * Makes `file.bak.1` the previous version (`previous`, else a copy of the file) and shifts the older
 * ones up, never losing one: the new backup is written and synced first (a full disk fails here,
 * before anything moved), then `bak.(keep-1)…bak.1` shift up by renames, then the new backup takes
 * `bak.1`. A rename that fails puts back every shift already made.
 */
async function rotateBackups(io: AtomicIo, file: string, keep: number, mode: number, previous: string | undefined): Promise<void> {
  if (keep <= 0) return;
  const old = previous ?? (await fs.readFile(file).catch(() => undefined));
  if (old === undefined) return;
  const fresh = await writeTemp(io, `${file}.bak.1`, old, mode);
  // the oldest is set aside, not overwritten, until the rotation is complete
  const oldest = `${file}.bak.${keep}`;
  const aside = tempName(oldest);
  const moved: Array<[string, string]> = [];
  try {
    if (await exists(oldest)) {
      await io.rename(oldest, aside);
      moved.push([oldest, aside]);
    }
    for (let i = keep - 1; i >= 1; i--) {
      const from = `${file}.bak.${i}`;
      if (!(await exists(from))) continue;
      await io.rename(from, `${file}.bak.${i + 1}`);
      moved.push([from, `${file}.bak.${i + 1}`]);
    }
    await io.rename(fresh, `${file}.bak.1`);
  } catch (err) {
    for (const [from, to] of moved.reverse()) await io.rename(to, from).catch(() => undefined);
    await fs.rm(fresh, { force: true });
    throw err;
  }
  await fs.rm(aside, { force: true });
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export interface AtomicWriteOptions {
  /** How many previous versions to keep as `file.bak.N` (default 3). */
  backups?: number;
  /**
   * The content `text` was derived from (null: the file did not exist). The file is read again
   * right before the rename; when someone changed it meanwhile (an edit by hand), nothing is
   * replaced and the write answers false, so the caller can apply its change to the new content.
   */
  expected?: string | null;
  /** File operations (tests inject a full disk here). */
  io?: AtomicIo;
}

/**
 * Replaces `file` with `text` so that a reader (or a crash) only ever sees the old or the new
 * content: temp file in the same folder, fsync, rename, fsync of the folder. Keeps the file's mode
 * (0600 for a new file) and the previous versions as `file.bak.N`. Answers false (replacing
 * nothing) when `expected` is given and the file no longer holds it.
 */
export async function writeFileAtomic(file: string, text: string, opts: AtomicWriteOptions = {}): Promise<boolean> {
  let mode = 0o600;
  try {
    mode = (await fs.stat(file)).mode & 0o777;
  } catch {
    // new file
  }
  const io = opts.io ?? realIo;
  const tmp = await writeTemp(io, file, text, mode);
  try {
    // Compare and swap, as close to the rename as possible: the slow part (writing and syncing
    // the temp file) is over, so an edit by hand that lands during it is not lost. Backups rotate
    // only once the swap is decided, so a retried edit does not push real history out.
    if (opts.expected !== undefined && (await readOrNull(file)) !== opts.expected) {
      await fs.rm(tmp, { force: true });
      return false;
    }
    await rotateBackups(io, file, opts.backups ?? 3, mode, opts.expected ?? undefined);
    await io.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(file));
  return true;
}

/**
 * Removes temp files a crashed writer left beside `file` (its own and its backups':
 * `.config.yaml.tmp-*`, `.config.yaml.bak.1.tmp-*`). Returns how many were removed.
 */
export async function removeStaleTempFiles(file: string): Promise<number> {
  const dir = path.dirname(file);
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stale = new RegExp(`^\\.${base}(\\.bak\\.\\d+)?${TEMP_MARK.replace('.', '\\.')}`);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  const found = names.filter((n) => stale.test(n));
  await Promise.all(found.map((n) => fs.rm(path.join(dir, n), { force: true })));
  return found.length;
}

/**
 * Where writes to a config go: the file, or the target of a symlinked config (the link stays a
 * link, the target is replaced atomically in its own folder, backups beside it). The folder is made
 * again when it was deleted.
 */
export async function resolveWriteTarget(file: string): Promise<string> {
  let target = file;
  try {
    if ((await fs.lstat(file)).isSymbolicLink()) target = path.resolve(path.dirname(file), await fs.readlink(file));
    target = await fs.realpath(target);
  } catch {
    // a missing file, or a link to a missing target: written where it points
  }
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  return target;
}
