/**
 * When an immediate (ack: immediate) delivery is tried again: after a 5xx answer (a plugin that
 * raised, a 504 timeout, a 503 busy executor) or no answer at all (executor unavailable or
 * restarting, the app stopped during the attempt). Never after a 2xx-4xx answer: a 4xx says the
 * request itself is refused, and sending the same bytes again would be refused again. The wait
 * before attempt n+1 is a random time up to min(max, initial · 2^(n-1)) ("full jitter": many
 * deliveries failing together do not come back together). A delivery whose series of attempts has
 * used `maxAttempts`, or is older than `maxAgeMs`, is dead instead.
 */
import { httpStatusOf } from '../../../shared/errors.js';
import { AppError } from '../app-error.js';

export interface RetryLimits {
  maxAttempts: number;
  maxAgeMs: number;
  initialMs: number;
  maxMs: number;
}

/** The outcome of one attempt: the plugin's answer, or what the call threw. */
export type AttemptOutcome = { status: number } | { error: unknown };

/** Whether the outcome is worth another attempt (5xx, or no answer with a 5xx meaning). */
export function isRetryable(outcome: AttemptOutcome): boolean {
  if ('status' in outcome) return outcome.status >= 500;
  const e = outcome.error;
  // the bridge's own refusals map to a status: NOT_FOUND (no such plugin), INVALID_INPUT… are final
  return !(e instanceof AppError) || httpStatusOf(e.code) >= 500;
}

/** The wait before the attempt after attempt `n` of the series (1-based): full jitter, capped. */
export function backoffMs(n: number, limits: Pick<RetryLimits, 'initialMs' | 'maxMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(limits.maxMs, limits.initialMs * 2 ** Math.min(Math.max(n - 1, 0), 40));
  return Math.floor(random() * ceiling);
}

export type NextStep = { state: 'done' } | { state: 'queued'; dueMs: number } | { state: 'dead'; reason: string };

/**
 * What follows an attempt: `n` attempts of the series are used, the series began at `sinceMs`.
 */
export function nextStep(outcome: AttemptOutcome, n: number, sinceMs: number, nowMs: number, limits: RetryLimits, random?: () => number): NextStep {
  if (!isRetryable(outcome)) return { state: 'done' };
  if (n >= limits.maxAttempts) return { state: 'dead', reason: `${n} of max_attempts ${limits.maxAttempts} failed` };
  const dueMs = nowMs + backoffMs(n, limits, random);
  if (dueMs - sinceMs > limits.maxAgeMs) {
    return { state: 'dead', reason: `past max_age_seconds ${Math.round(limits.maxAgeMs / 1000)} after ${n} attempt${n === 1 ? '' : 's'}` };
  }
  return { state: 'queued', dueMs };
}
