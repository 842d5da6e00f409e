/** Starting and killing child processes, behind functions so tests and other shells can swap them. */
import { spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';
import type { ExitInfo } from './endpoint.js';

export interface SpawnRequest {
  file: string;
  args: string[];
  /** The complete environment (nothing else is inherited). */
  env: Record<string, string>;
  cwd: string;
}

export interface ChildHandle {
  pid: number | undefined;
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  exited: Promise<ExitInfo>;
}

export type SpawnFn = (req: SpawnRequest) => ChildHandle;
/** Sends `signal` to the process group led by `pid` (the whole tree on Windows). Never throws. */
export type KillGroupFn = (pid: number, signal: NodeJS.Signals) => void;
/** Sends `signal` to one process. Never throws. */
export type KillFn = (pid: number, signal: NodeJS.Signals) => void;

function exitInfo(result: unknown): ExitInfo {
  const r = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  const code = typeof r['exitCode'] === 'number' ? r['exitCode'] : null;
  const signal = typeof r['signal'] === 'string' ? r['signal'] : null;
  const errno = typeof r['code'] === 'string' ? r['code'] : null;
  const error = code === null && signal === null ? (errno ?? (typeof r['shortMessage'] === 'string' ? r['shortMessage'] : 'spawn failed')) : null;
  return { code, signal, error };
}

/**
 * execa with: pipes on all three streams (stdin stays open: the executor exits when it closes,
 * so it dies with the app even on SIGKILL), its own process group (detached), no inherited
 * environment, no buffering, no rejection and no automatic kill (the supervisor does that).
 */
export const execaSpawn: SpawnFn = (req) => {
  const child = execa(req.file, req.args, {
    cwd: req.cwd,
    env: req.env,
    extendEnv: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    detached: process.platform !== 'win32',
    cleanup: true,
    buffer: false,
    reject: false,
    forceKillAfterDelay: false,
    windowsHide: true,
  });
  child.stdin?.on('error', () => undefined); // EPIPE once the child is gone
  return {
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited: child.then(exitInfo, (err: unknown) => exitInfo(err)),
  };
};

export const killProcess: KillFn = (pid, signal) => {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone (ESRCH) or not ours
  }
};

export const killProcessGroup: KillGroupFn = (pid, signal) => {
  if (process.platform === 'win32') {
    if (signal === 'SIGKILL') spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true, stdio: 'ignore' });
    else killProcess(pid, signal);
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is empty (ESRCH)
  }
};
