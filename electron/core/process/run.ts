/**
 * `run`: a short-lived process (a probe, `uv --version`, `reg query`) read to the end, with a
 * timeout that kills its whole tree and a bounded output buffer (a process that prints more is
 * killed too: a probe that floods is broken).
 */
import type { Exit } from './exit.js';
import type { SpawnedProcess, SpawnRequest } from './spawn.js';

export interface RunOptions {
  /** The process tree is killed after this many milliseconds. */
  timeoutMs: number;
  cwd?: string;
  /** The complete environment (default: the runner's). */
  env?: Readonly<Record<string, string>>;
  /** Output kept per stream; more kills the process and sets `overflowed` (default 1 MiB). */
  maxBuffer?: number;
}

export interface RunResult extends Exit {
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The process printed more than `maxBuffer` on a stream and was killed. */
  overflowed: boolean;
}

/** `ProcessRunner.run` as a port: what discovery, validation and provisioning receive. */
export type RunProcess = (file: string, args: readonly string[], options: RunOptions) => Promise<RunResult>;

export const DEFAULT_MAX_BUFFER = 1024 * 1024;

class BoundedText {
  private readonly lines: string[] = [];
  private bytes = 0;
  full = false;

  constructor(private readonly max: number) {}

  /** Adds a line; false once the buffer is over its bound. */
  add(line: string): boolean {
    if (this.full) return false;
    const size = Buffer.byteLength(line) + 1;
    if (this.bytes + size > this.max) {
      this.full = true;
      return false;
    }
    this.bytes += size;
    this.lines.push(line);
    return true;
  }

  text(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}

export async function runToEnd(
  spawn: (req: SpawnRequest) => SpawnedProcess,
  req: Omit<SpawnRequest, 'onLine' | 'maxLineBytes' | 'stdin'>,
  options: Pick<RunOptions, 'timeoutMs' | 'maxBuffer'>,
): Promise<RunResult> {
  const max = options.maxBuffer ?? DEFAULT_MAX_BUFFER;
  const out = { stdout: new BoundedText(max), stderr: new BoundedText(max) };
  let overflowed = false;
  let timedOut = false;
  const proc = spawn({
    ...req,
    stdin: 'ignore',
    maxLineBytes: max,
    onLine: (line, stream) => {
      if (out[stream].add(line) || overflowed) return;
      overflowed = true;
      proc.forceKill();
    },
  });
  const timer = setTimeout(() => {
    timedOut = true;
    proc.forceKill();
  }, options.timeoutMs);
  try {
    const exit = await proc.exited;
    return { ...exit, stdout: out.stdout.text(), stderr: out.stderr.text(), timedOut, overflowed };
  } finally {
    clearTimeout(timer);
  }
}
