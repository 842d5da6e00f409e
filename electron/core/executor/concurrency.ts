/**
 * The executor's concurrency settings on its command line (see resources/python/README.md): plugin
 * calls run at once (`executor.threads`), calls that may wait for a thread (`executor.queue_size`)
 * and for how long (`executor.queue_timeout`, seconds). Beyond that the executor answers 503 with
 * Retry-After itself, and its health checks run on threads of their own.
 */
import type { Settings } from '../config/schema.js';

export function concurrencyArgs(e: Pick<Settings['executor'], 'threads' | 'queue_size' | 'queue_timeout'>): string[] {
  return ['--threads', String(e.threads), '--queue-size', String(e.queue_size), '--queue-timeout', String(e.queue_timeout)];
}
