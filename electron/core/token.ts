import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './config/atomic-file.js';

export interface ApiToken {
  token: string;
  /** Where it came from: the environment variable, or the file that holds it. */
  source: { kind: 'environment' } | { kind: 'file'; path: string; created: boolean };
}

const TOKEN_RE = /^[A-Za-z0-9_-]{32,256}$/;

/**
 * The REST API token: WEBHOOK_BRIDGE_API_TOKEN when set, else 32 random bytes kept in a 0600 file
 * beside the config (created on first use; a file with loose permissions is tightened).
 */
export async function loadOrCreateToken(file: string, env: Readonly<Record<string, string | undefined>>): Promise<ApiToken> {
  const fromEnv = env['WEBHOOK_BRIDGE_API_TOKEN'];
  if (fromEnv) {
    if (fromEnv.length < 16) throw new Error('WEBHOOK_BRIDGE_API_TOKEN must be at least 16 characters');
    return { token: fromEnv, source: { kind: 'environment' } };
  }
  try {
    const text = (await fs.readFile(file, 'utf8')).trim();
    if (TOKEN_RE.test(text)) {
      if (process.platform !== 'win32') {
        const mode = (await fs.stat(file)).mode & 0o777;
        if (mode !== 0o600) await fs.chmod(file, 0o600);
      }
      return { token: text, source: { kind: 'file', path: file, created: false } };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  await fs.rm(file, { force: true });
  await writeFileAtomic(file, `${token}\n`, { backups: 0 });
  return { token, source: { kind: 'file', path: file, created: true } };
}
