import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { currentUid, trustProblem } from './trust.js';

export interface ApiToken {
  token: string;
  /** Where it came from: the environment variable, or the file that holds it. */
  source: { kind: 'environment' } | { kind: 'file'; path: string; created: boolean };
}

const TOKEN_RE = /^[A-Za-z0-9_-]{32,256}$/;
const MIN_ENV_LENGTH = 16;
/** Estimated strength an environment token must have (its length × the Shannon entropy of its characters). */
const MIN_ENV_BITS = 48;

/** The estimated bits of a token: length × the entropy of its character frequencies. */
export function estimatedBits(token: string): number {
  const counts = new Map<string, number>();
  for (const c of token) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / token.length) * Math.log2(n / token.length);
  return perChar * token.length;
}

/** Why WEBHOOK_BRIDGE_API_TOKEN cannot be used, or null. Never echoes the token. */
export function envTokenProblem(token: string): string | null {
  if (token.trim() !== token) return 'WEBHOOK_BRIDGE_API_TOKEN has spaces or line breaks around it: remove them (clients send it without them, so every request would get 401)';
  if (!/^[\x20-\x7e]+$/.test(token)) return 'WEBHOOK_BRIDGE_API_TOKEN must be printable ASCII (letters, digits, punctuation): clients cannot send other characters in an HTTP header';
  if (token.length < MIN_ENV_LENGTH) return `WEBHOOK_BRIDGE_API_TOKEN must be at least ${MIN_ENV_LENGTH} characters (it has ${token.length})`;
  if (estimatedBits(token) < MIN_ENV_BITS) {
    return `WEBHOOK_BRIDGE_API_TOKEN is too easy to guess (about ${Math.floor(estimatedBits(token))} bits; at least ${MIN_ENV_BITS}): use a random one, e.g. openssl rand -base64 32`;
  }
  return null;
}

const describe = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException;
  return e.code === 'EACCES' || e.code === 'EPERM' ? `${e.code} (permission denied)` : (e.code ?? e.message);
};

/** Reads an existing token file without following links; null when there is none or it holds no token. */
async function readTokenFile(file: string, uid: number | null): Promise<string | null> {
  let st;
  try {
    st = await fs.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (st.isSymbolicLink()) throw new Error(`${file} is a symbolic link; the API token file must be a regular file: remove it (rm ${file}) and start again to create one`);
  const early = trustProblem(file, 'file', st, uid);
  if (early) throw new Error(`the API token file is not used: ${early}`);
  const handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    // the file opened may not be the one looked at (swapped meanwhile): check what is open
    const problem = trustProblem(file, 'file', await handle.stat(), uid);
    if (problem) throw new Error(`the API token file is not used: ${problem}`);
    if (uid !== null && ((await handle.stat()).mode & 0o077) !== 0) await handle.chmod(0o600); // readable by others: tighten
    const text = (await handle.readFile('utf8')).trim();
    return TOKEN_RE.test(text) ? text : null;
  } finally {
    await handle.close();
  }
}

/** Creates the token file: never over an existing file or link (O_EXCL, O_NOFOLLOW), 0600. */
async function createTokenFile(file: string, token: string): Promise<void> {
  const handle = await fs.open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(`${token}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The REST API token: WEBHOOK_BRIDGE_API_TOKEN when set (checked: printable ASCII, no surrounding
 * spaces, long and varied enough), else 32 random bytes kept in a 0600 file beside the config.
 * The file and its folder must be the app user's (trust.ts): a planted file or symlink is never
 * followed, chmod-ed or used; the start fails with what is wrong and how to fix it.
 */
export async function loadOrCreateToken(file: string, env: Readonly<Record<string, string | undefined>>, opts: { uid?: number | null } = {}): Promise<ApiToken> {
  const fromEnv = env['WEBHOOK_BRIDGE_API_TOKEN'];
  if (fromEnv) {
    const problem = envTokenProblem(fromEnv);
    if (problem) throw new Error(problem);
    return { token: fromEnv, source: { kind: 'environment' } };
  }
  const uid = opts.uid === undefined ? currentUid() : opts.uid;
  const dir = path.dirname(file);
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const folderProblem = trustProblem(dir, 'folder', await fs.stat(dir), uid);
    if (folderProblem) throw new Error(`the API token file's folder is not used: ${folderProblem}`);
    const existing = await readTokenFile(file, uid);
    if (existing !== null) return { token: existing, source: { kind: 'file', path: file, created: false } };
    await fs.rm(file, { force: true }); // ours, trusted, without a token in it (or none at all)
    const token = randomBytes(32).toString('base64url');
    await createTokenFile(file, token);
    return { token, source: { kind: 'file', path: file, created: true } };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    if (code === 'EEXIST') throw new Error(`the API token file ${file} appeared while it was being created (another process?): start again`, { cause: err });
    if (code === 'ELOOP') throw new Error(`${file} is a symbolic link; the API token file must be a regular file: remove it (rm ${file})`, { cause: err });
    throw new Error(`cannot read or create the API token file ${file}: ${describe(err)}; it and its folder must belong to the app's user (or set WEBHOOK_BRIDGE_API_TOKEN)`, { cause: err });
  }
}
