/**
 * Where the shell finds its pieces in development (`electron .` from the repository) and when
 * packaged (electron-builder: the app in `resources/app.asar`, extra resources beside it).
 * Both layouts keep `resources/` and `proto/` side by side, so `<resourcesDir>/../proto` holds.
 */
import path from 'node:path';

export interface ShellPathInputs {
  isPackaged: boolean;
  /** `app.getAppPath()`: the repository root in development, `…/resources/app.asar` packaged. */
  appPath: string;
  /** `process.resourcesPath` (only meaningful when packaged). */
  resourcesPath: string;
  /** Directory of the compiled main script (`dist/electron/main`). */
  mainDir: string;
}

export interface ShellPaths {
  /** resources/: python/ (the executor) and plugins/. */
  resourcesDir: string;
  protoDir: string;
  /** The built dashboard. */
  rendererDir: string;
  preload: string;
}

export function resolveShellPaths(i: ShellPathInputs): ShellPaths {
  const base = i.isPackaged ? i.resourcesPath : i.appPath;
  return {
    resourcesDir: path.join(base, 'resources'),
    protoDir: path.join(base, 'proto'),
    rendererDir: path.join(i.appPath, 'dist-renderer'),
    preload: path.join(i.mainDir, 'preload.cjs'),
  };
}

/** `--config PATH`, `--config=PATH`, `--host`, `--port` from the command line (Chromium switches ignored). */
export function shellArgs(argv: readonly string[]): { config?: string; host?: string; port?: number } {
  const out: { config?: string; host?: string; port?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = /^--(config|host|port)(?:=(.*))?$/.exec(arg);
    if (!m) continue;
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') continue;
    if (m[1] === 'port') {
      if (/^\d+$/.test(value) && Number(value) <= 65535) out.port = Number(value);
    } else if (m[1] === 'config') out.config = value;
    else out.host = value;
  }
  return out;
}
