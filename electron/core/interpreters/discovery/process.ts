/**
 * A minimal "run a short-lived process" port, and its execa implementation.
 * Core modules receive a `RunProcess`; only the composition root (or a test)
 * decides which implementation to hand in.
 */
import { execa } from 'execa';

export interface RunProcessOptions {
  /** The process (and, on POSIX, its process group) is killed after this many milliseconds. */
  timeoutMs: number;
  cwd?: string;
}

export interface RunProcessResult {
  stdout: string;
  stderr: string;
  /** null when the process did not exit normally (signal, spawn failure, timeout). */
  exitCode: number | null;
  timedOut: boolean;
  /** Set when the process could not be started at all (e.g. `EACCES`, `ENOENT`, `ENOEXEC`). */
  spawnError: string | null;
}

export type RunProcess = (file: string, args: readonly string[], options: RunProcessOptions) => Promise<RunProcessResult>;

export interface ExecaRunProcessOptions {
  /** The full environment of the child (nothing is inherited implicitly). */
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  /** Output beyond this many bytes per stream fails the run (default 1 MiB). */
  maxBuffer?: number;
  /** After a timeout kill, how long to wait for descendants still holding the output pipes (default 500 ms). */
  pipeGraceMs?: number;
}

export function createExecaRunProcess(config: ExecaRunProcessOptions): RunProcess {
  const posix = config.platform !== 'win32';
  return async (file, args, options) => {
    const subprocess = execa(file, [...args], {
      env: config.env,
      extendEnv: false,
      cwd: options.cwd,
      // Own process group on POSIX, so that a timeout also kills what a script started.
      detached: posix,
      reject: false,
      stdin: 'ignore',
      maxBuffer: config.maxBuffer ?? 1024 * 1024,
      windowsHide: true,
    });
    let timedOut = false;
    let grace: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(subprocess.pid, posix, () => subprocess.kill('SIGKILL'));
      // A descendant that escaped the kill may keep the pipes open: stop waiting for it.
      grace = setTimeout(() => {
        subprocess.stdout?.destroy();
        subprocess.stderr?.destroy();
      }, config.pipeGraceMs ?? 500);
    }, options.timeoutMs);
    try {
      const result = await subprocess;
      const started = result.exitCode !== undefined || result.signal !== undefined || timedOut;
      return {
        stdout: typeof result.stdout === 'string' ? result.stdout : '',
        stderr: typeof result.stderr === 'string' ? result.stderr : '',
        exitCode: result.exitCode ?? null,
        timedOut,
        spawnError: started ? null : (result.code ?? result.shortMessage ?? 'could not be started'),
      };
    } finally {
      clearTimeout(timer);
      clearTimeout(grace);
    }
  };
}

function killTree(pid: number | undefined, posix: boolean, fallback: () => void): void {
  if (posix && pid !== undefined) {
    try {
      process.kill(-pid, 'SIGKILL');
      return;
    } catch {
      // The group is already gone, or the child did not become a group leader.
    }
  }
  fallback();
}
