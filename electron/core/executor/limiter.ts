/**
 * `ConcurrencyLimiter`: at most N calls of a plugin run at once (`max_concurrency`, read live through
 * `limitOf`). Sync calls `acquire` a slot and wait for one (FIFO, bounded by `maxWaitMs`, abortable);
 * the async queue runner `tryAcquire`s and is told by `onAvailable` when a plugin has a free slot
 * again. Every grant is a release function; calling it twice releases once.
 */
import { AppError } from '../app-error.js';

/** A release function: gives the slot back (idempotent). */
export type Release = () => void;

/** The timers the bounded wait uses (injected in tests). */
export interface LimiterTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LimiterDeps {
  /** The plugin's limit now: a positive integer, or null for no limit. Read at every acquire and release. */
  limitOf(plugin: string): number | null;
  /** Monotonic ms (the waited time in the refusal). */
  now?: () => number;
  timers?: LimiterTimers;
}

export interface AcquireOptions {
  /** Aborting a waiting call takes it out of the queue (the HTTP client went away). */
  signal?: AbortSignal;
  /** How long to wait for a slot: 0 = refuse at once when none is free. */
  maxWaitMs: number;
}

/** Details of the 503 a refused call carries: `retry_after_s` becomes the Retry-After header. */
export interface LimitRefusal {
  plugin: string;
  limit: number;
  running: number;
  waited_ms: number;
  retry_after_s: number;
}

interface Waiter {
  grant(release: Release): void;
  settled: boolean;
}

interface PluginState {
  running: number;
  waiters: Waiter[];
}

const defaultTimers: LimiterTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class ConcurrencyLimiter {
  private readonly state = new Map<string, PluginState>();
  private readonly listeners = new Set<(plugin: string) => void>();
  private readonly now: () => number;
  private readonly timers: LimiterTimers;

  constructor(private readonly deps: LimiterDeps) {
    this.now = deps.now ?? (() => performance.now());
    this.timers = deps.timers ?? defaultTimers;
  }

  /** The plugin's limit, or null (unlimited). A limit below 1 or not an integer counts as none. */
  limit(plugin: string): number | null {
    const n = this.deps.limitOf(plugin);
    return n !== null && Number.isInteger(n) && n >= 1 ? n : null;
  }

  /** Calls of the plugin holding a slot now. */
  running(plugin: string): number {
    return this.state.get(plugin)?.running ?? 0;
  }

  /** Calls of the plugin waiting for a slot now. */
  waiting(plugin: string): number {
    return this.state.get(plugin)?.waiters.length ?? 0;
  }

  /** A slot now, or null: none free, or sync callers already wait for one (they go first). */
  tryAcquire(plugin: string): Release | null {
    const s = this.stateOf(plugin);
    if (s.waiters.length > 0 || !this.hasRoom(plugin, s)) return null;
    return this.take(plugin, s);
  }

  /**
   * A slot, waiting in FIFO order up to `maxWaitMs`. Rejects with UNAVAILABLE (503, Retry-After) when
   * the wait runs out, or when `signal` aborts (the waiter leaves the queue).
   */
  acquire(plugin: string, opts: AcquireOptions): Promise<Release> {
    const s = this.stateOf(plugin);
    if (opts.signal?.aborted) return Promise.reject(this.abortError(plugin));
    if (s.waiters.length === 0 && this.hasRoom(plugin, s)) return Promise.resolve(this.take(plugin, s));
    const t0 = this.now();
    if (opts.maxWaitMs <= 0) return Promise.reject(this.refusal(plugin, s, 0, opts.maxWaitMs));
    return new Promise<Release>((resolve, reject) => {
      const leave = (): void => {
        waiter.settled = true;
        const i = s.waiters.indexOf(waiter);
        if (i >= 0) s.waiters.splice(i, 1);
        this.timers.clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        // a waiter leaving may unblock tryAcquire callers (they yield to waiters)
        if (s.waiters.length === 0 && this.hasRoom(plugin, s)) this.announce(plugin);
      };
      const onAbort = (): void => {
        leave();
        reject(this.abortError(plugin));
      };
      const waiter: Waiter = {
        settled: false,
        grant: (release) => {
          leave();
          resolve(release);
        },
      };
      const timer = this.timers.setTimeout(() => {
        if (waiter.settled) return;
        leave();
        reject(this.refusal(plugin, s, this.now() - t0, opts.maxWaitMs));
      }, opts.maxWaitMs);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      s.waiters.push(waiter);
    });
  }

  /** `listener(plugin)` whenever the plugin has a free slot that no waiting sync call took. Returns an unsubscribe. */
  onAvailable(listener: (plugin: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The limits may have changed (config edit): grant what the new limits allow, wake the runner. */
  refresh(): void {
    for (const plugin of [...this.state.keys()]) this.pump(plugin);
  }

  private stateOf(plugin: string): PluginState {
    let s = this.state.get(plugin);
    if (!s) {
      s = { running: 0, waiters: [] };
      this.state.set(plugin, s);
    }
    return s;
  }

  private hasRoom(plugin: string, s: PluginState): boolean {
    const limit = this.limit(plugin);
    return limit === null || s.running < limit;
  }

  private take(plugin: string, s: PluginState): Release {
    s.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      s.running--;
      this.pump(plugin);
    };
  }

  /** Hands free slots to waiters in order; a slot left over goes to the listeners; idle state is dropped. */
  private pump(plugin: string): void {
    const s = this.state.get(plugin);
    if (!s) return;
    while (s.waiters.length > 0 && this.hasRoom(plugin, s)) {
      const w = s.waiters[0];
      if (!w) break;
      w.grant(this.take(plugin, s));
    }
    if (s.running === 0 && s.waiters.length === 0) this.state.delete(plugin);
    if (s.waiters.length === 0 && this.hasRoom(plugin, s)) this.announce(plugin);
  }

  private announce(plugin: string): void {
    for (const l of [...this.listeners]) l(plugin);
  }

  private refusal(plugin: string, s: PluginState, waitedMs: number, maxWaitMs: number): AppError {
    const limit = this.limit(plugin) ?? 0;
    const details: LimitRefusal = {
      plugin,
      limit,
      running: s.running,
      waited_ms: Math.round(waitedMs),
      retry_after_s: Math.max(1, Math.ceil(maxWaitMs / 1000)),
    };
    return new AppError(
      'UNAVAILABLE',
      `plugin '${plugin}' is at its concurrency limit (max_concurrency ${limit}, ${s.running} running): no slot freed within ${maxWaitMs} ms`,
      details,
    );
  }

  private abortError(plugin: string): AppError {
    return new AppError('UNAVAILABLE', `the call of plugin '${plugin}' was cancelled while it waited for a concurrency slot`);
  }
}
