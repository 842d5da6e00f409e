/**
 * Backup rotation never loses a backup (issue 12, B10): with the disk full, or a rename failing
 * halfway, every `config.yaml.bak.N` is still there with its content, and the file is unchanged.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs, mkdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic, type AtomicIo } from '../../electron/core/config/atomic-file.js';
import { tempDir } from '../helpers/bridge.js';

const enospc = (): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });

async function withHistory(dir: string): Promise<string> {
  const file = path.join(dir, 'config.yaml');
  await fs.writeFile(file, 'v0\n');
  for (const v of ['v1\n', 'v2\n', 'v3\n']) await writeFileAtomic(file, v, { backups: 3, expected: (await fs.readFile(file, 'utf8')) });
  return file;
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of (await fs.readdir(dir)).sort()) if (!n.startsWith('.')) out[n] = await fs.readFile(path.join(dir, n), 'utf8');
  return out;
}

describe('backup rotation', () => {
  it('keeps three backups in order', async () => {
    const dir = tempDir();
    await withHistory(dir);
    expect(await snapshot(dir)).toEqual({ 'config.yaml': 'v3\n', 'config.yaml.bak.1': 'v2\n', 'config.yaml.bak.2': 'v1\n', 'config.yaml.bak.3': 'v0\n' });
  });

  it('a full disk while writing the new backup loses nothing: nothing has shifted yet', async () => {
    const dir = tempDir();
    const file = await withHistory(dir);
    const before = await snapshot(dir);
    const io: AtomicIo = {
      open: (p, ...rest) => (String(p).includes('.bak.1.tmp-') ? Promise.reject(enospc()) : fs.open(p, ...rest)),
      rename: (a, b) => fs.rename(a, b),
    };
    await expect(writeFileAtomic(file, 'v4\n', { backups: 3, expected: 'v3\n', io })).rejects.toThrow(/ENOSPC/);
    expect(await snapshot(dir)).toEqual(before);
    expect((await fs.readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('a rename failing halfway puts back every shift already made', async () => {
    const dir = tempDir();
    const file = await withHistory(dir);
    const before = await snapshot(dir);
    const io: AtomicIo = {
      open: (...a) => fs.open(...a),
      rename: (a, b) => (String(a).endsWith('.bak.1') ? Promise.reject(enospc()) : fs.rename(a, b)),
    };
    await expect(writeFileAtomic(file, 'v4\n', { backups: 3, expected: 'v3\n', io })).rejects.toThrow(/ENOSPC/);
    expect(await snapshot(dir)).toEqual(before);
    expect((await fs.readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

/** A real full disk: a 64 KiB tmpfs (needs root and mount; skipped elsewhere). */
const MOUNT = path.join(tempDir(), 'small');
let mounted = false;
try {
  mkdirSync(MOUNT);
  execFileSync('/usr/bin/mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', MOUNT], { stdio: 'ignore' });
  mounted = true;
} catch {
  // not root, or no mount here
}
afterAll(() => {
  if (mounted) execFileSync('/usr/bin/umount', [MOUNT]);
  rmdirSync(MOUNT);
});

describe.skipIf(!mounted)('backup rotation on a real full disk (64 KiB tmpfs)', () => {
  it('answers ENOSPC, and the file and every backup are intact', async () => {
    const file = path.join(MOUNT, 'config.yaml');
    const version = (n: number): string => `# v${n}\n${'x'.repeat(6000)}\n`;
    await fs.writeFile(file, version(0));
    for (const n of [1, 2, 3]) await writeFileAtomic(file, version(n), { backups: 3, expected: version(n - 1) });
    // fill the disk until only room for the new file's temp remains (not for the new backup too)
    const filler = path.join(MOUNT, 'filler');
    const handle = await fs.open(filler, 'w');
    try {
      for (;;) await handle.write(Buffer.alloc(1024));
    } catch {
      // full
    }
    await handle.close();
    const size = (await fs.stat(filler)).size;
    await fs.truncate(filler, Math.max(0, size - 8 * 1024));
    const before = await snapshot(MOUNT);
    await expect(writeFileAtomic(file, version(4), { backups: 3, expected: version(3) })).rejects.toThrow(/ENOSPC/);
    expect(await snapshot(MOUNT)).toEqual(before);
  });
});
