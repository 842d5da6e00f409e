/**
 * Starting one child process on execa: its own process group (POSIX), a complete environment
 * (nothing inherited, never the app's API token), stdout and stderr read as capped lines, and a
 * tree kill. `exited` resolves once the process exited and its output is read to the end — or
 * `drainMs` after the exit when something it left running still holds the pipes.
 */
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';
import { withoutAppToken } from './env.js';
import type { Exit } from './exit.js';
import { DEFAULT_MAX_LINE_BYTES, LineReader } from './lines.js';
import { forceKillTree, stopTree } from './tree-kill.js';

export type OutputStream = 'stdout' | 'stderr';

export interface SpawnRequest {
  file: string;
  args: readonly string[];
  /** The complete environment (build it with `childEnv`); nothing else is inherited. */
  env: Readonly<Record<string, string>>;
  cwd?: string;
  /** `pipe` keeps stdin open (the executor exits when it closes); default `ignore`. */
  stdin?: 'pipe' | 'ignore';
  onLine?: (line: string, stream: OutputStream) => void;
  /** Longer lines are cut and marked with their size (default 64 KiB). */
  maxLineBytes?: number;
  /** After the exit, how long output may still come from what the process left running (default: the runner's). */
  drainMs?: number;
}

export interface StopOptions {
  /** Time between SIGTERM and SIGKILL (default: the runner's grace). */
  graceMs?: number;
  /** SIGTERM to the whole tree (default) or only to the leader, which stops its own children. */
  politeTo?: 'tree' | 'leader';
}

export interface SpawnedProcess {
  readonly pid: number | undefined;
  readonly stdin: Writable | null;
  /** The process exited and its output was read (or given up on `drainMs` after the exit). */
  readonly exited: Promise<Exit>;
  /** Each stream's last line was delivered. */
  readonly outputDone: Record<OutputStream, Promise<void>>;
  /** SIGKILL of the whole tree, now (nothing is waited for). */
  forceKill(): void;
  /** Grace then force; resolves once the tree is gone and the process reported its exit. */
  stop(opts?: StopOptions): Promise<'graceful' | 'forced'>;
}

export interface SpawnConfig {
  platform: NodeJS.Platform;
  graceMs: number;
  drainMs: number;
}

function exitOfResult(result: unknown): Exit {
  const r = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  const code = typeof r['exitCode'] === 'number' ? r['exitCode'] : null;
  const signal = typeof r['signal'] === 'string' ? r['signal'] : null;
  const errno = typeof r['code'] === 'string' ? r['code'] : null;
  const shortMessage = typeof r['shortMessage'] === 'string' ? r['shortMessage'] : 'spawn failed';
  return { code, signal, spawnError: code === null && signal === null ? (errno ?? shortMessage) : null };
}

function readLines(stream: Readable | null, name: OutputStream, req: SpawnRequest): Promise<void> {
  if (!stream) return Promise.resolve();
  const reader = new LineReader((line) => req.onLine?.(line, name), req.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  stream.on('data', (chunk: Buffer) => reader.push(chunk));
  stream.on('error', () => undefined); // destroyed after the drain
  return new Promise((resolve) => {
    stream.once('close', () => {
      reader.end();
      resolve();
    });
  });
}

export function spawnProcess(req: SpawnRequest, config: SpawnConfig): SpawnedProcess {
  const posix = config.platform !== 'win32';
  const child = execa(req.file, [...req.args], {
    cwd: req.cwd,
    env: withoutAppToken(req.env),
    extendEnv: false,
    stdin: req.stdin ?? 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    detached: posix,
    cleanup: true,
    buffer: false,
    reject: false,
    forceKillAfterDelay: false,
    windowsHide: true,
  });
  child.stdin?.on('error', () => undefined); // EPIPE once the child is gone
  const outputDone = { stdout: readLines(child.stdout, 'stdout', req), stderr: readLines(child.stderr, 'stderr', req) };
  const processExit = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, spawnError: null }));
    // a spawn failure (ENOENT, EACCES) emits no exit: execa's result says why
    void child.then(
      (result) => resolve(exitOfResult(result)),
      (err: unknown) => resolve(exitOfResult(err)),
    );
  });
  let gone = false;
  const exited = processExit.then(async (exit) => {
    gone = true;
    // something the process left running may hold the pipes open: stop waiting for its output soon
    const drain = setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, req.drainMs ?? config.drainMs);
    await Promise.all([outputDone.stdout, outputDone.stderr]);
    clearTimeout(drain);
    return exit;
  });
  const pid = child.pid;
  let stopping: Promise<'graceful' | 'forced'> | undefined;
  return {
    pid,
    stdin: child.stdin,
    exited,
    outputDone,
    forceKill: () => {
      if (pid !== undefined) void forceKillTree(pid, config.platform);
    },
    stop: (opts = {}) => {
      stopping ??= (async () => {
        if (pid === undefined) {
          await exited;
          return 'graceful' as const;
        }
        const how = await stopTree(pid, {
          graceMs: opts.graceMs ?? config.graceMs,
          // once the leader is gone its pid may be reused: only its group (what it left running) is signalled
          politeTo: gone ? 'tree' : (opts.politeTo ?? 'tree'),
          leaderExited: processExit,
          platform: config.platform,
        });
        await exited;
        return how;
      })();
      return stopping;
    },
  };
}
