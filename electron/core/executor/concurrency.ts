/**
 * The executor's settings on its command line (see resources/python/README.md): plugin calls run at
 * once (`executor.threads`), calls that may wait for a thread (`executor.queue_size`) and for how
 * long (`executor.queue_timeout`, seconds). Beyond that the executor answers 503 with Retry-After
 * itself, and its health checks run on threads of their own. Also how often a loaded plugin's file
 * is checked for changes (`executor.reload_interval_seconds`) and how many webhook streams one
 * process serves (`executor.max_streams`). The config follower restarts the executor live when any
 * of them changes (they are part of its launch signature).
 */
import type { Settings } from '../config/schema.js';

export function concurrencyArgs(e: Pick<Settings['executor'], 'threads' | 'queue_size' | 'queue_timeout'>): string[] {
  return ['--threads', String(e.threads), '--queue-size', String(e.queue_size), '--queue-timeout', String(e.queue_timeout)];
}

type ExecutorFlagSettings = Pick<Settings['executor'], 'threads' | 'queue_size' | 'queue_timeout' | 'reload_interval_seconds' | 'max_streams'>;

/** Every executor flag that comes from the `executor.*` settings. */
export function executorArgs(e: ExecutorFlagSettings): string[] {
  return [...concurrencyArgs(e), '--reload-interval', String(e.reload_interval_seconds), '--max-streams', String(e.max_streams)];
}

/** Streams the app opens to one executor: its own count, never more than the executor serves (`executor.max_streams`). */
export function streamsToOpen(wanted: number, e: Pick<Settings['executor'], 'max_streams'>): number {
  return Math.min(wanted, e.max_streams);
}
