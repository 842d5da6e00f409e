/**
 * Files the app runs on (the config, its folder, the API token) must be its own: owned by the
 * app's user or root, and not writable by group or others. The same rule as ssh and gpg: a file
 * another local user can change would let them run programs as the app's user (the config names
 * the interpreters the executor starts) or call the API (the token).
 *
 * A folder with the sticky bit (like /tmp) may be writable by others: they cannot replace or
 * remove a file they do not own there; the file itself must still be the app's user's.
 */
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';

export interface OwnerAndMode {
  uid: number;
  /** st_mode: type and permission bits */
  mode: number;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const STICKY = 0o1000;

/** The app's user id (null where there is none: Windows, where the rule does not apply). */
export function currentUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}

/**
 * What is wrong with `file` given its stat, and the command that fixes it; null when it is fine.
 * `kind` is what it must be (a regular file or a folder).
 */
export function trustProblem(file: string, kind: 'file' | 'folder', st: OwnerAndMode, uid: number | null): string | null {
  if (uid === null) return null;
  const type = st.mode & S_IFMT;
  if (kind === 'file' && type !== S_IFREG) return `${file} is not a regular file: remove it (rm ${file}) or point the app elsewhere`;
  if (kind === 'folder' && type !== S_IFDIR) return `${file} is not a folder`;
  if (st.uid !== uid && st.uid !== 0) {
    return `${file} is owned by another user (uid ${st.uid}), not by the app's user (uid ${uid}) or root: check its content, then fix with: chown ${uid} ${file}`;
  }
  const loose = st.mode & 0o022;
  if (loose !== 0 && !(kind === 'folder' && (st.mode & STICKY) !== 0 && st.uid === 0)) {
    const who = loose === 0o022 ? 'group and others' : loose === 0o002 ? 'others' : 'group';
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    return `${file} is writable by ${who} (mode ${mode}): anyone who can write it controls what the app runs; check its content, then fix with: chmod go-w ${file}`;
  }
  return null;
}

/** stat (following links) and the trust rule; a missing file is no problem (null). */
export async function checkTrust(file: string, kind: 'file' | 'folder', uid = currentUid()): Promise<string | null> {
  let st: Stats;
  try {
    st = await fs.stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return trustProblem(file, kind, st, uid);
}

/**
 * The config's trust problems: the file (the link's target when it is a symlink), the target's
 * folder and, for a link, the link's own folder. Empty when all is well.
 */
export async function configTrustProblems(file: string, uid = currentUid()): Promise<string[]> {
  if (uid === null) return [];
  const target = await fs.realpath(file).catch(() => file);
  const folders = [...new Set([path.dirname(file), path.dirname(target)])];
  // something else than a file in its place is reported by the read (EISDIR…), not here
  const isFile = await fs.stat(target).then((st) => st.isFile(), () => false);
  const found = await Promise.all([isFile ? checkTrust(target, 'file', uid) : null, ...folders.map((d) => checkTrust(d, 'folder', uid))]);
  return found.filter((p): p is string => p !== null);
}
