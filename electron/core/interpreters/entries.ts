import { constants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MASK, looksSecret } from '../../../shared/dto/common.js';
import { invalid } from '../app-error.js';

/** Expands a leading `~` and requires an absolute path. */
export function normalizeUserPath(raw: string, field: string, home = os.homedir()): string {
  const trimmed = raw.trim();
  if (trimmed.includes('\0')) throw invalid(field, 'contains a NUL byte');
  const expanded = trimmed === '~' ? home : trimmed.startsWith('~/') ? path.join(home, trimmed.slice(2)) : trimmed;
  if (!path.isAbsolute(expanded)) throw invalid(field, `must be an absolute path (got '${raw}')`);
  return path.normalize(expanded);
}

/** Checks that `file` exists, is a regular file and is executable; throws INVALID_INPUT saying which. */
export async function assertExecutableFile(file: string, field = 'path'): Promise<void> {
  let st;
  try {
    st = await fs.stat(file);
  } catch {
    let link = false;
    try {
      link = (await fs.lstat(file)).isSymbolicLink();
    } catch {
      // nothing there at all
    }
    const target = link ? await fs.readlink(file).catch(() => '?') : '';
    throw invalid(field, link ? `${file} is a broken symlink to ${target}` : `${file} does not exist`);
  }
  if (st.isDirectory()) throw invalid(field, `${file} is a directory, not a Python executable`);
  if (!st.isFile()) throw invalid(field, `${file} is not a regular file`);
  if (process.platform !== 'win32') {
    try {
      await fs.access(file, constants.X_OK);
    } catch {
      throw invalid(field, `${file} is not executable`);
    }
  }
}

/** Environment values with secret-looking names are shown masked. */
export function maskEnvironment(env: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {})) out[k] = looksSecret(k) ? MASK : v;
  return out;
}
