/** Restart pacing of the executor: exponential backoff and a failure budget over a time window. */

export interface BackoffOptions {
  /** First delay (ms). */
  initialMs: number;
  /** Largest delay (ms). */
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5_000, factor: 2 };

/** initial, initial×factor, … capped at max; reset() starts over. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions = DEFAULT_BACKOFF) {}

  next(): number {
    const delay = Math.min(this.opts.maxMs, this.opts.initialMs * this.opts.factor ** this.attempt);
    this.attempt++;
    return delay;
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Counts failures in a sliding window: more than `max` failures within `windowMs` means give up.
 * `max` and `windowMs` are read at each call so config edits apply at once.
 */
export class FailureWindow {
  private readonly times: number[] = [];

  constructor(
    private readonly limits: () => { max: number; windowMs: number },
    private readonly now: () => number,
  ) {}

  /** Records one failure; true when the budget is exhausted. */
  record(): boolean {
    const t = this.now();
    this.times.push(t);
    this.prune(t);
    return this.times.length > this.limits().max;
  }

  count(): number {
    this.prune(this.now());
    return this.times.length;
  }

  clear(): void {
    this.times.length = 0;
  }

  private prune(t: number): void {
    const { windowMs } = this.limits();
    while (this.times.length > 0 && (this.times[0] ?? t) <= t - windowMs) this.times.shift();
  }
}
