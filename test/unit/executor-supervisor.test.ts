/** The supervisor's state machine with fake executors (the integration tests use real ones). */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../electron/core/app-error.js';
import { interp, setup, type FakeEndpoint } from '../helpers/fake-executors.js';

describe('Supervisor', () => {
  it('starts, restarts a crashed executor with a new generation and counts the restart', async () => {
    const { sup, endpoints, until } = setup();
    await sup.start();
    expect(sup.snapshot()).toMatchObject({ state: 'connected', restarts: 0 });
    endpoints[0]?.crash({ code: null, signal: 'SIGKILL', spawnError: null });
    await until(() => sup.snapshot().state === 'reconnecting');
    await until(() => sup.snapshot().state === 'connected');
    const snap = sup.snapshot();
    expect(snap.current?.generation).toBe(2);
    expect(snap.restarts).toBe(1);
    expect(snap.lastError).toMatch(/killed by SIGKILL/);
    await sup.stop();
  });

  it('goes to failed at once on a permanent start failure (no retry)', async () => {
    const { sup, launches } = setup({ outcomes: ['permanent'] });
    await sup.start();
    expect(sup.snapshot()).toMatchObject({ state: 'failed', failureTail: ['missing grpc'] });
    expect(sup.snapshot().lastError).toMatch(/grpc/);
    expect(launches).toHaveLength(1);
    await expect(sup.lease(1_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('retries transient failures with backoff and gives up after max_restarts in the window', async () => {
    const { sup, launches, until } = setup({ outcomes: ['transient', 'transient', 'transient'], maxRestarts: 2 });
    await sup.start();
    await until(() => sup.snapshot().state === 'failed');
    expect(launches).toHaveLength(3);
    expect(sup.snapshot().lastError).toMatch(/gave up after 3 failures/);
    await sup.restart(); // a reconnect resets the budget
    expect(sup.snapshot().state).toBe('connected');
  });

  it('switches live: the new one serves at once, the old one is stopped after its calls drain', async () => {
    const { sup, endpoints } = setup();
    await sup.start();
    const lease = await sup.lease(100);
    const outcome = await sup.switchTo(interp('b'));
    expect(outcome.switched).toBe(true);
    expect(sup.snapshot().current?.interpreter?.key).toBe('b');
    expect((await sup.lease(100)).endpoint).toBe(endpoints[1]);
    expect(endpoints[0]?.stopped).toBe(false); // a call is still in flight on it
    lease.release();
    await new Promise<void>((r) => {
      const t = setInterval(() => endpoints[0]?.stopped && (clearInterval(t), r()), 5);
    });
    expect(sup.snapshot().restarts).toBe(0);
    await sup.stop();
  });

  it('lets a call on the retiring executor run to its own deadline, past the drain period', async () => {
    const { sup, endpoints } = setup({ drainTimeoutMs: 20, callDeadlineMs: 400 });
    await sup.start();
    const lease = await sup.lease(100);
    await sup.switchTo(interp('b'));
    await new Promise((r) => setTimeout(r, 150)); // well past the 20 ms drain period
    expect(endpoints[0]?.stopped).toBe(false);
    lease.release();
    await new Promise<void>((r) => {
      const t = setInterval(() => endpoints[0]?.stopped && (clearInterval(t), r()), 5);
    });
    await sup.stop();
  });

  it('keeps the old executor when the new one cannot start, and says why (CONFLICT)', async () => {
    const { sup, endpoints } = setup({ outcomes: ['ok', 'permanent'] });
    await sup.start();
    const err: unknown = await sup.switchTo(interp('b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'CONFLICT', details: { interpreter: 'b', stderr_tail: ['missing grpc'] } });
    expect((err as AppError).message).toMatch(/could not switch the executor to 'b'.*grpc/);
    expect(sup.snapshot()).toMatchObject({ state: 'connected', switchingTo: null });
    expect(sup.snapshot().current).toBe(endpoints[0]);
    expect(sup.snapshot().lastError).toMatch(/starting under 'b' failed/);
  });

  it('kills and replaces an endpoint the health monitor reports as hung', async () => {
    const { sup, endpoints, until } = setup();
    await sup.start();
    const first = endpoints[0] as FakeEndpoint;
    sup.reportProbe(first, false, 'no answer in 500 ms');
    expect(first.alive).toBe(false);
    await until(() => sup.snapshot().state === 'connected');
    expect(sup.snapshot().current?.generation).toBe(2);
    expect(sup.snapshot().lastError).toMatch(/stopped answering: no answer/);
    await sup.stop();
  });

  it('makes callers wait while restarting, and fails them once stopped', async () => {
    const { sup, endpoints } = setup({ outcomes: ['ok', 'transient'] });
    await sup.start();
    endpoints[0]?.crash();
    const lease = await sup.lease(5_000); // waits through a failed attempt and a retry
    expect(lease.endpoint.generation).toBe(3);
    lease.release();
    await sup.stop();
    expect(sup.snapshot().state).toBe('disconnected');
    expect(endpoints.every((e) => !e.alive)).toBe(true);
    expect(endpoints[1]?.stopped).toBe(true);
    await expect(sup.lease(1_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(sup.switchTo(interp('b'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('tells launch when another executor is alive (a fixed port is taken then)', async () => {
    const { sup, launches } = setup();
    await sup.start();
    await sup.switchTo(interp('b'));
    expect(launches.map((l) => l.ctx.othersAlive)).toEqual([false, true]);
    await sup.stop();
  });
});
