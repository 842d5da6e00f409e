/**
 * `executor.workers`: how many executor processes run per interpreter (spawn mode). A whole number,
 * or `auto` = one per CPU, at most AUTO_EXECUTOR_WORKERS_CAP (4): on a busy 2-core machine a third
 * process only adds context switches, and more than 4 rarely pays for the memory (one Python each).
 */
import { AUTO_EXECUTOR_WORKERS_CAP, MAX_EXECUTOR_WORKERS, type ExecutorWorkers } from '../../../shared/dto/config.js';

/** The number of processes `workers` stands for on a machine with `cpus` CPUs. */
export function workerCount(workers: ExecutorWorkers, cpus: number): number {
  if (workers === 'auto') return Math.max(1, Math.min(Math.floor(cpus), AUTO_EXECUTOR_WORKERS_CAP));
  return workers;
}

const WANTED = `expected a whole number of executor processes from 1 to ${MAX_EXECUTOR_WORKERS}, or "auto" (one per CPU, at most ${AUTO_EXECUTOR_WORKERS_CAP})`;

/** The checker's message for a bad `executor.workers` value (null when it is fine). */
export function workersProblem(value: unknown): string | null {
  if (value === undefined || value === 'auto') return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_EXECUTOR_WORKERS) return null;
  const shown = value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value === 'object' ? (Array.isArray(value) ? 'a list' : 'a mapping') : String(value);
  return `${WANTED}; got ${shown}`;
}

/** A note when the key is set but cannot apply: external mode spawns no executor of its own. */
export function workersIgnoredNote(executor: { mode?: unknown; workers?: unknown } | undefined): string | null {
  if (executor?.mode !== 'external' || executor.workers === undefined || executor.workers === 1) return null;
  return 'applies to spawn mode only: executor.mode is external, so the app runs no executor processes of its own (ignored)';
}
