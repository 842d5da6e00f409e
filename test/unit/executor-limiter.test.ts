import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from '../../electron/api/error-replies.js';
import { AppError } from '../../electron/core/app-error.js';
import { ConcurrencyLimiter, type LimiterTimers } from '../../electron/core/executor/limiter.js';
import { PluginFacts } from '../../electron/core/inbox/plugin-facts.js';
import type { PluginInfo } from '../../shared/dto/plugins.js';

/** Timers driven by hand: `advance(ms)` fires what is due, in order. */
class ManualClock implements LimiterTimers {
  t = 0;
  private seq = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  now = (): number => this.t;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.due.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }
  pending(): number {
    return this.due.size;
  }
  advance(ms: number): void {
    this.t += ms;
    for (const [id, d] of [...this.due].sort((a, b) => a[1].at - b[1].at)) {
      if (d.at > this.t) break;
      this.due.delete(id);
      d.fn();
    }
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(limits: Record<string, number | null>): { lim: ConcurrencyLimiter; clock: ManualClock } {
  const clock = new ManualClock();
  const lim = new ConcurrencyLimiter({ limitOf: (p) => limits[p] ?? null, now: clock.now, timers: clock });
  return { lim, clock };
}

describe('ConcurrencyLimiter', () => {
  it('gives at most `limit` slots at once through tryAcquire, and a released slot back', () => {
    const { lim } = setup({ a: 2 });
    const r1 = lim.tryAcquire('a');
    const r2 = lim.tryAcquire('a');
    expect(r1).not.toBeNull();
    expect(r2).not.toBeNull();
    expect(lim.tryAcquire('a')).toBeNull();
    expect(lim.running('a')).toBe(2);
    r1?.();
    expect(lim.running('a')).toBe(1);
    expect(lim.tryAcquire('a')).not.toBeNull();
  });

  it('has no limit for a plugin without one (null, 0 or not an integer)', () => {
    const { lim } = setup({ a: null, b: 0, c: 1.5 });
    for (const p of ['a', 'b', 'c']) {
      const got = Array.from({ length: 50 }, () => lim.tryAcquire(p));
      expect(got.every((r) => r !== null)).toBe(true);
    }
  });

  it('keeps plugins apart', () => {
    const { lim } = setup({ a: 1, b: 1 });
    expect(lim.tryAcquire('a')).not.toBeNull();
    expect(lim.tryAcquire('b')).not.toBeNull();
    expect(lim.tryAcquire('a')).toBeNull();
  });

  it('releases once however often release is called', () => {
    const { lim } = setup({ a: 2 });
    const r1 = lim.tryAcquire('a');
    lim.tryAcquire('a');
    r1?.();
    r1?.();
    r1?.();
    expect(lim.running('a')).toBe(1);
    expect(lim.tryAcquire('a')).not.toBeNull();
    expect(lim.tryAcquire('a')).toBeNull();
  });

  it('grants waiters in FIFO order as slots free', async () => {
    const { lim } = setup({ a: 1 });
    const first = await lim.acquire('a', { maxWaitMs: 1000 });
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => lim.acquire('a', { maxWaitMs: 1000 }).then((rel) => { order.push(n); return rel; }));
    expect(lim.waiting('a')).toBe(3);
    first();
    const r1 = await waits[0];
    await flush();
    expect(order).toEqual([1]);
    r1?.();
    const r2 = await waits[1];
    r2?.();
    const r3 = await waits[2];
    expect(order).toEqual([1, 2, 3]);
    expect(lim.running('a')).toBe(1);
    r3?.();
    expect(lim.running('a')).toBe(0);
  });

  it('refuses with UNAVAILABLE (503) and a Retry-After hint when the bounded wait runs out', async () => {
    const { lim, clock } = setup({ a: 1 });
    lim.tryAcquire('a');
    const p = lim.acquire('a', { maxWaitMs: 2500 });
    clock.advance(2499);
    await flush();
    expect(lim.waiting('a')).toBe(1);
    clock.advance(1);
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    const app = err as AppError;
    expect(app.code).toBe('UNAVAILABLE');
    expect(app.message).toMatch(/plugin 'a' is at its concurrency limit \(max_concurrency 1, 1 running\)/);
    expect(app.details).toEqual({ plugin: 'a', limit: 1, running: 1, waited_ms: 2500, retry_after_s: 3 });
    expect(lim.waiting('a')).toBe(0);
    // the REST adapter's Retry-After follows the hint; other 503s keep 1 s
    expect(retryAfterSeconds(app.details)).toBe(3);
    expect(retryAfterSeconds(undefined)).toBe(1);
    expect(retryAfterSeconds({ retry_after_s: 'soon' })).toBe(1);
  });

  it('refuses at once when maxWaitMs is 0 and no slot is free; grants at once when one is', async () => {
    const { lim } = setup({ a: 1 });
    const rel = await lim.acquire('a', { maxWaitMs: 0 });
    await expect(lim.acquire('a', { maxWaitMs: 0 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    rel();
    await expect(lim.acquire('a', { maxWaitMs: 0 })).resolves.toBeTypeOf('function');
  });

  it('takes an aborted waiter out of the queue, and the next one gets the slot', async () => {
    const { lim, clock } = setup({ a: 1 });
    const first = lim.tryAcquire('a');
    const ac = new AbortController();
    const gone = lim.acquire('a', { maxWaitMs: 1000, signal: ac.signal });
    const next = lim.acquire('a', { maxWaitMs: 1000 });
    ac.abort();
    await expect(gone).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/cancelled/) });
    expect(lim.waiting('a')).toBe(1);
    first?.();
    const rel = await next;
    expect(lim.running('a')).toBe(1);
    rel();
    // no timer left behind
    expect(clock.pending()).toBe(0);
  });

  it('rejects at once for a signal already aborted', async () => {
    const { lim } = setup({ a: 1 });
    const ac = new AbortController();
    ac.abort();
    await expect(lim.acquire('a', { maxWaitMs: 1000, signal: ac.signal })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(lim.running('a')).toBe(0);
  });

  it('lets waiting sync calls go before tryAcquire', async () => {
    const { lim } = setup({ a: 1 });
    const held = lim.tryAcquire('a');
    const waiting = lim.acquire('a', { maxWaitMs: 1000 });
    held?.();
    // the slot went to the waiter
    expect(lim.tryAcquire('a')).toBeNull();
    (await waiting)();
    expect(lim.tryAcquire('a')).not.toBeNull();
  });

  it('tells onAvailable listeners when a slot frees that no waiter takes', async () => {
    const { lim } = setup({ a: 1 });
    const seen: string[] = [];
    const off = lim.onAvailable((p) => seen.push(p));
    const held = lim.tryAcquire('a');
    const waiting = lim.acquire('a', { maxWaitMs: 1000 });
    held?.();
    expect(seen).toEqual([]); // the waiter took it
    (await waiting)();
    expect(seen).toEqual(['a']);
    off();
    lim.tryAcquire('a')?.();
    expect(seen).toEqual(['a']);
  });

  it('follows a live limit change: a raised limit grants waiters on refresh, a lowered one holds new calls', async () => {
    const limits: Record<string, number | null> = { a: 1 };
    const clock = new ManualClock();
    const lim = new ConcurrencyLimiter({ limitOf: (p) => limits[p] ?? null, now: clock.now, timers: clock });
    const seen: string[] = [];
    lim.onAvailable((p) => seen.push(p));
    const held = lim.tryAcquire('a');
    const w1 = lim.acquire('a', { maxWaitMs: 1000 });
    const w2 = lim.acquire('a', { maxWaitMs: 1000 });
    limits.a = 3;
    lim.refresh();
    const [r1, r2] = await Promise.all([w1, w2]);
    expect(lim.running('a')).toBe(3);
    expect(seen).toEqual([]);
    limits.a = 1;
    r1();
    r2();
    expect(lim.tryAcquire('a')).toBeNull(); // one still runs, the limit is 1 now
    held?.();
    expect(lim.tryAcquire('a')).not.toBeNull();
  });
});

describe('plugins.settings.<name>.max_concurrency / max_wait_ms', () => {
  it('are accepted in range and refused out of it with the key', async () => {
    const { parseConfig, issueToString } = await import('../../electron/core/config/validate.js');
    const ok = parseConfig(['plugins:', '  settings:', '    a:', '      max_concurrency: 2', '      max_wait_ms: 0', ''].join('\n'));
    expect(ok.errors).toEqual([]);
    expect(ok.warnings).toEqual([]);
    const bad = parseConfig(['plugins:', '  settings:', '    a:', '      max_concurrency: 0', '      max_wait_ms: -1', ''].join('\n'));
    const msgs = bad.errors.map(issueToString);
    expect(msgs.some((m) => m.startsWith('plugins.settings.a.max_concurrency:'))).toBe(true);
    expect(msgs.some((m) => m.startsWith('plugins.settings.a.max_wait_ms:'))).toBe(true);
  });
});

describe('PluginFacts (the class attribute max_concurrency)', () => {
  const info = (name: string, max: number): PluginInfo => ({
    name, description: '', methods: [], available: true, error: '', source: '', has_secret: false, style: 'request', missing: null, interpreter: null, ack: null, max_concurrency: max,
  });

  it('fetches a plugin once for its first call, answers from memory while fresh, refreshes a stale one behind', async () => {
    let t = 0;
    let max = 2;
    const asked: string[] = [];
    const cache = new PluginFacts({ getPlugin: async (p) => { asked.push(p); return info(p, max); }, refreshMs: 1000, now: () => t });
    expect(cache.peek('a')).toBeNull();
    const first = cache.ensure('a');
    const second = cache.ensure('a');
    expect(first).toBeInstanceOf(Promise);
    expect(second).toBeInstanceOf(Promise); // a second call of the first moment waits for the same fetch
    await first;
    expect(cache.peek('a')?.maxConcurrency).toBe(2);
    expect(cache.ensure('a')).toBeNull();
    expect(asked).toEqual(['a']);
    t = 1500;
    max = 5;
    expect(cache.ensure('a')).toBeNull(); // stale: answered from memory, refreshed behind
    expect(cache.peek('a')?.maxConcurrency).toBe(2);
    await flush();
    expect(cache.peek('a')?.maxConcurrency).toBe(5);
    expect(asked).toEqual(['a', 'a']);
  });

  it('remembers an unknown plugin (or an executor that did not answer) as null', async () => {
    const cache = new PluginFacts({ getPlugin: () => Promise.reject(new AppError('NOT_FOUND', 'no plugin')) });
    await cache.ensure('ghost');
    expect(cache.peek('ghost')).toBeNull();
    expect(cache.ensure('ghost')).toBeNull();
  });
});
