/**
 * CPU time and context switches of processes, from /proc (Linux), for per-call costs in the bench:
 *   CPU      = utime + stime of /proc/<pid>/stat (every thread of the process, dead ones included)
 *   switches = voluntary + nonvoluntary ctxt_switches of /proc/<pid>/task/<tid>/status, summed over
 *              the threads alive at both readings (/proc/<pid>/status alone counts the main thread)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cmdline, processTree } from '../helpers/procfs.js';

const TICKS_PER_S = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface Usage {
  cpuMs: number;
  /** Context switches per thread id (`pid/tid`). */
  switches: Map<string, number>;
}

function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 of stat (utime, stime) are 11 and 12 after "pid (comm)"
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

function switchesOf(pid: number, into: Map<string, number>): void {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const v = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(s)?.[1] ?? 0);
      const n = Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(s)?.[1] ?? 0);
      into.set(`${pid}/${tid}`, v + n);
    } catch {
      // the thread ended
    }
  }
}

export function usage(pids: readonly number[]): Usage {
  const switches = new Map<string, number>();
  let cpuMs = 0;
  for (const pid of pids) {
    cpuMs += cpuMsOf(pid);
    switchesOf(pid, switches);
  }
  return { cpuMs, switches };
}

/** CPU ms and context switches between two readings (switches of threads present in both). */
export function delta(a: Usage, b: Usage): { cpuMs: number; switches: number } {
  let switches = 0;
  for (const [tid, n] of b.switches) {
    const before = a.switches.get(tid);
    if (before !== undefined) switches += n - before;
  }
  return { cpuMs: b.cpuMs - a.cpuMs, switches };
}

/** The Python executor processes this Node process runs (any pool size). */
export function executorPids(): number[] {
  return processTree(process.pid).filter((pid) => pid !== process.pid && cmdline(pid).some((a) => a.includes('webhook_bridge_executor')));
}
