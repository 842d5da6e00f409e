/**
 * A minimal "run a short-lived process" port, and its execa implementation.
 * Core modules receive a `RunProcess`; only the composition root (or a test)
 * decides which implementation to hand in.
 */
import { execa } from 'execa';

export interface RunProcessOptions {
  /** The process is killed after this many milliseconds. */
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
  /** Output beyond this many bytes per stream fails the run (default 1 MiB). */
  maxBuffer?: number;
}

export function createExecaRunProcess(config: ExecaRunProcessOptions): RunProcess {
  return async (file, args, options) => {
    const result = await execa(file, [...args], {
      env: config.env,
      extendEnv: false,
      cwd: options.cwd,
      timeout: options.timeoutMs,
      forceKillAfterDelay: 500,
      reject: false,
      stdin: 'ignore',
      maxBuffer: config.maxBuffer ?? 1024 * 1024,
      stripFinalNewline: false,
      windowsHide: true,
    });
    const started = result.exitCode !== undefined || result.signal !== undefined || result.timedOut;
    const code = result.code;
    return {
      stdout: typeof result.stdout === 'string' ? result.stdout : '',
      stderr: typeof result.stderr === 'string' ? result.stderr : '',
      exitCode: result.exitCode ?? null,
      timedOut: result.timedOut,
      spawnError: started ? null : (code ?? result.shortMessage ?? 'could not be started'),
    };
  };
}
