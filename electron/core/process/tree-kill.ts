/**
 * Stopping a child and everything it started. POSIX: every child leads its own process group
 * (spawned detached), so the group gets the signals. Windows: `taskkill /T /F` ends the tree.
 * Grace then force: a polite SIGTERM (to the tree, or to the leader only when it stops its own
 * children), then SIGKILL of the whole group.
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { sleep } from './sleep.js';

/** Sends `signal` to one process. Never throws (the process may be gone). */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone (ESRCH) or not ours
  }
}

/** SIGKILL of the whole tree led by `pid`, now. Never throws; on Windows resolves when taskkill is done. */
export function forceKillTree(pid: number, platform: NodeJS.Platform = process.platform): Promise<void> {
  if (platform === 'win32') {
    return new Promise((resolve) => {
      const tk = spawn('taskkill', ['/PID', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
      tk.on('error', () => resolve());
      tk.on('close', () => resolve());
    });
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is empty (ESRCH)
  }
  return Promise.resolve();
}

/** Whether a live (not zombie) process is left in the group `pgid` (Linux reads /proc). */
export async function groupAlive(pgid: number, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  if (platform === 'linux') {
    const entries = await fsp.readdir('/proc').catch(() => [] as string[]);
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

async function waitGroupGone(pgid: number, platform: NodeJS.Platform, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (!(await groupAlive(pgid, platform))) return true;
    if (Date.now() >= until) return false;
    await sleep(50, { unref: true });
  }
}

export interface StopTreeOptions {
  /** Time between the polite signal and SIGKILL. */
  graceMs: number;
  /**
   * Who gets SIGTERM: the whole tree (tools: pip and what it started), or only the leader (a
   * server that stops its own children; it is waited for, then the group is killed).
   */
  politeTo: 'tree' | 'leader';
  /** Resolves when the leader has exited. */
  leaderExited: Promise<unknown>;
  platform?: NodeJS.Platform;
}

/** Grace then force; resolves `'forced'` when SIGKILL was needed, once the group is gone (or after 5 s more). */
export async function stopTree(pid: number, opts: StopTreeOptions): Promise<'graceful' | 'forced'> {
  const platform = opts.platform ?? process.platform;
  if (platform === 'win32') {
    // No SIGTERM on Windows: a leader gets TerminateProcess, then taskkill ends what it left.
    if (opts.politeTo === 'leader') signalProcess(pid, 'SIGTERM');
    await forceKillTree(pid, platform);
    return 'graceful';
  }
  let gone: boolean;
  if (opts.politeTo === 'leader') {
    signalProcess(pid, 'SIGTERM');
    gone = await Promise.race([opts.leaderExited.then(() => true), sleep(opts.graceMs, { unref: true }).then(() => false)]);
  } else {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // the group is gone already
    }
    gone = await waitGroupGone(pid, platform, opts.graceMs);
  }
  // a leader that left in time may still leave children behind: the group goes anyway
  await forceKillTree(pid, platform);
  if (!gone || opts.politeTo === 'tree') await waitGroupGone(pid, platform, 5_000);
  return gone ? 'graceful' : 'forced';
}
