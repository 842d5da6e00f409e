/** The retry policy of immediate deliveries: what is retried, full-jitter capped backoff, dead after max_attempts or max_age. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../electron/core/app-error.js';
import { backoffMs, isRetryable, nextStep } from '../../electron/core/inbox/retry-policy.js';

const LIMITS = { maxAttempts: 4, maxAgeMs: 60_000, initialMs: 1000, maxMs: 5000 };

describe('retry policy', () => {
  it('retries 5xx and no answer, never 2xx-4xx nor the bridge\'s own 4xx refusals', () => {
    for (const status of [500, 502, 503, 504]) expect(isRetryable({ status })).toBe(true);
    for (const status of [200, 202, 301, 400, 401, 404, 409, 422, 429]) expect(isRetryable({ status })).toBe(false);
    expect(isRetryable({ error: new AppError('UNAVAILABLE', 'executor restarting') })).toBe(true);
    expect(isRetryable({ error: new AppError('TIMEOUT', 'slow') })).toBe(true);
    expect(isRetryable({ error: new Error('socket hang up') })).toBe(true);
    expect(isRetryable({ error: new AppError('NOT_FOUND', 'no plugin') })).toBe(false);
  });

  it('waits a random time up to initial · 2^(n-1), capped (full jitter)', () => {
    expect(backoffMs(1, LIMITS, () => 0.999)).toBe(999);
    expect(backoffMs(2, LIMITS, () => 0.999)).toBe(1998);
    expect(backoffMs(3, LIMITS, () => 0.5)).toBe(2000);
    expect(backoffMs(10, LIMITS, () => 0.999)).toBe(4995);
    expect(backoffMs(500, LIMITS, () => 0.999)).toBe(4995);
    expect(backoffMs(3, LIMITS, () => 0)).toBe(0);
  });

  it('queues again until max_attempts or max_age, then dead with the reason', () => {
    const fail = { status: 500 };
    expect(nextStep({ status: 200 }, 1, 0, 10, LIMITS)).toEqual({ state: 'done' });
    expect(nextStep({ status: 404 }, 1, 0, 10, LIMITS)).toEqual({ state: 'done' });
    expect(nextStep(fail, 1, 0, 10, LIMITS, () => 0.5)).toEqual({ state: 'queued', dueMs: 510 });
    expect(nextStep(fail, 4, 0, 10, LIMITS)).toEqual({ state: 'dead', reason: '4 of max_attempts 4 failed' });
    const old = nextStep(fail, 2, 0, 59_900, LIMITS, () => 0.5);
    expect(old).toEqual({ state: 'dead', reason: 'past max_age_seconds 60 after 2 attempts' });
  });
});
