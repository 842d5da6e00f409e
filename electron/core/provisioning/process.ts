/**
 * Long-running tool processes (pip, uv, venv) with their output streamed line by line, and a
 * kill that stops the whole process tree: on POSIX the tool starts in its own process group
 * (detached) and the group gets SIGTERM, then SIGKILL; on Windows `taskkill /T /F`.
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface ToolExit {
  /** null when the process was killed by a signal or never started. */
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started (`ENOENT`, `EACCES`…). */
  spawnError: string | null;
}

export interface ToolProcess {
  readonly pid: number | undefined;
  /** Resolves once the process has exited and its output is read to the end. */
  readonly exited: Promise<ToolExit>;
  /** Stops the process and everything it started; resolves when none of them is left. */
  kill(): Promise<void>;
}

export interface SpawnToolOptions {
  /** The complete environment of the tool (nothing is inherited implicitly). */
  env: Readonly<Record<string, string>>;
  cwd?: string;
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
}

export type SpawnTool = (file: string, args: readonly string[], options: SpawnToolOptions) => ToolProcess;

export interface SpawnToolConfig {
  platform?: NodeJS.Platform;
  /** Time between SIGTERM and SIGKILL (default 3 s). */
  graceMs?: number;
  /** After the tool exits, how long its output may still come from what it left running (default 1 s). */
  drainMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Splits a byte stream into lines at `\n`, `\r\n` and lone `\r` (progress bars redraw with `\r`). */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    let text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    // a trailing `\r` may be the first half of `\r\n`: hold it back for the next chunk
    const hold = text.endsWith('\r') ? '\r' : '';
    if (hold) text = text.slice(0, -1);
    const parts = text.split(/\r\n|\r|\n/);
    this.rest = (parts.pop() ?? '') + hold;
    for (const line of parts) this.onLine(line);
  }

  end(): void {
    const text = (this.rest + this.decoder.end()).replace(/\r$/, '');
    this.rest = '';
    if (text !== '') this.onLine(text);
  }
}

/** Whether any live (non-zombie) process is left in the process group (Linux reads /proc). */
async function groupAlive(pgid: number, platform: NodeJS.Platform): Promise<boolean> {
  if (platform === 'linux') {
    let entries: string[];
    try {
      entries = await fsp.readdir('/proc');
    } catch {
      entries = [];
    }
    if (entries.length > 0) {
      for (const entry of entries) {
        if (!/^\d+$/.test(entry)) continue;
        const stat = await fsp.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
        // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (fields[2] === String(pgid) && fields[0] !== 'Z' && fields[0] !== 'X') return true;
      }
      return false;
    }
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

async function waitGone(pgid: number, platform: NodeJS.Platform, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (!(await groupAlive(pgid, platform))) return true;
    if (Date.now() >= until) return false;
    await sleep(50);
  }
}

export function createSpawnTool(config: SpawnToolConfig = {}): SpawnTool {
  const platform = config.platform ?? process.platform;
  const graceMs = config.graceMs ?? 3000;
  const drainMs = config.drainMs ?? 1000;
  const windows = platform === 'win32';
  return (file, args, options) => {
    const child = spawn(file, [...args], {
      env: { ...options.env },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: !windows,
      windowsHide: true,
    });
    const out = new LineSplitter((l) => options.onLine(l, 'stdout'));
    const err = new LineSplitter((l) => options.onLine(l, 'stderr'));
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let spawnError: string | null = null;
    const exited = new Promise<ToolExit>((resolve) => {
      child.on('error', (e: NodeJS.ErrnoException) => {
        spawnError = e.code ?? e.message;
        if (child.pid === undefined) resolve({ code: null, signal: null, spawnError });
      });
      // something the tool left running may hold the pipes open: stop waiting for its output soon
      let drain: NodeJS.Timeout | undefined;
      child.on('exit', () => {
        drain = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, drainMs);
      });
      child.on('close', (code, signal) => {
        clearTimeout(drain);
        out.end();
        err.end();
        resolve({ code, signal, spawnError });
      });
    });
    const pid = child.pid;
    let killing: Promise<void> | undefined;
    const kill = (): Promise<void> => {
      killing ??= (async () => {
        if (pid === undefined) return;
        if (windows) {
          await new Promise<void>((resolve) => {
            const tk = spawn('taskkill', ['/PID', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
            tk.on('error', () => resolve());
            tk.on('close', () => resolve());
          });
          await exited;
          return;
        }
        signalGroup(pid, 'SIGTERM');
        if (!(await waitGone(pid, platform, graceMs))) {
          signalGroup(pid, 'SIGKILL');
          await waitGone(pid, platform, 5000);
        }
        await exited;
      })();
      return killing;
    };
    return { pid, exited, kill };
  };
}
