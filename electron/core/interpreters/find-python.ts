import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * The first Python 3 on PATH (what `python.interpreter: auto` stands for), skipping pyenv shims,
 * which are shell scripts rather than interpreters.
 */
export async function findPythonOnPath(env: Readonly<Record<string, string | undefined>>, platform = process.platform): Promise<string | null> {
  const dirs = (env['PATH'] ?? '').split(path.delimiter).filter((d) => d && !/[\\/]\.pyenv[\\/]shims$/.test(d));
  const names = platform === 'win32' ? ['python3.exe', 'python.exe'] : ['python3', 'python'];
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        const st = await fs.stat(candidate);
        if (!st.isFile()) continue;
        if (platform !== 'win32') await fs.access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}
