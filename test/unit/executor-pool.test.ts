/** Executor pools (`executor.workers`): the supervisor's pool logic with fake executors, and the setting. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../electron/core/app-error.js';
import { resolveSettings } from '../../electron/core/config/effective.js';
import { issueToString, parseConfig } from '../../electron/core/config/validate.js';
import { workerCount } from '../../electron/core/config/workers.js';
import { interp, setup } from '../helpers/fake-executors.js';

describe('a pool of executor processes', () => {
  it('starts executor.workers processes, each told its index; a fixed port goes to process 0 only', async () => {
    const { sup, launches } = setup({ workers: 3 });
    await sup.start();
    expect(launches.map((l) => [l.ctx.index, l.ctx.othersAlive])).toEqual([[0, false], [1, true], [2, true]]);
    const snap = sup.snapshot();
    expect(snap.state).toBe('connected');
    expect(snap.pool.size).toBe(3);
    expect(snap.pool.processes.map((p) => [p.index, p.pid, p.state, p.restarts])).toEqual([[0, 1001, 'serving', 0], [1, 1002, 'serving', 0], [2, 1003, 'serving', 0]]);
    expect(snap.current?.pid).toBe(1001);
    await sup.stop();
  });

  it('sends each call to the process with the fewest calls in flight, and calls one at a time in turn', async () => {
    const { sup, endpoints } = setup({ workers: 3 });
    await sup.start();
    const held = [await sup.lease(100), await sup.lease(100), await sup.lease(100)];
    expect(new Set(held.map((l) => l.endpoint))).toEqual(new Set(endpoints));
    held[1]?.release();
    expect((await sup.lease(100)).endpoint).toBe(held[1]?.endpoint); // the only idle one
    const turns = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      const l = await sup.lease(100);
      turns.add(l.endpoint);
      l.release();
    }
    expect(turns.size).toBeGreaterThan(1);
    await sup.stop();
  });

  it('never gives a call back to the process it could not reach, while another serves', async () => {
    const { sup, endpoints } = setup({ workers: 2 });
    await sup.start();
    for (let i = 0; i < 4; i++) {
      const l = await sup.lease(100, endpoints[0]);
      expect(l.endpoint).toBe(endpoints[1]);
      l.release();
    }
    await sup.stop();
  });

  it('restarts a crashed process on its own, at once (no backoff for a first failure); the others keep serving', async () => {
    // a 60 s backoff: the restart below happens only because a first restart waits for nothing
    const { sup, endpoints, launches, until } = setup({ workers: 2, backoffMs: 60_000 });
    await sup.start();
    const states: string[] = [];
    sup.onDidChange(() => states.push(sup.snapshot().state));
    endpoints[1]?.crash({ code: null, signal: 'SIGKILL', spawnError: null });
    await until(() => sup.snapshot().pool.processes[1]?.pid === 1003);
    expect(launches.map((l) => l.ctx.index)).toEqual([0, 1, 1]);
    expect(states.every((s) => s === 'connected')).toBe(true);
    const snap = sup.snapshot();
    expect(snap.pool.processes.map((p) => [p.index, p.pid, p.state, p.restarts])).toEqual([[0, 1001, 'serving', 0], [1, 1003, 'serving', 1]]);
    expect(snap.restarts).toBe(1);
    expect(snap.lastError).toMatch(/pool process 1\) was killed by SIGKILL|killed by SIGKILL/);
    expect(endpoints[0]?.stopped).toBe(false);
    await sup.stop();
  });

  it('replaces only the process the health monitor reports as hung', async () => {
    const { sup, endpoints, until } = setup({ workers: 2 });
    await sup.start();
    sup.reportProbe(endpoints[0] as never, false, 'no answer');
    await until(() => sup.snapshot().pool.processes[0]?.pid === 1003);
    expect(endpoints[1]?.alive).toBe(true);
    expect(sup.snapshot().pool.processes[0]?.last_error).toMatch(/stopped answering: no answer/);
    await sup.stop();
  });

  it('a permanent start failure of one process leaves the others serving; of all, the pool is failed', async () => {
    const partial = setup({ workers: 2, outcomes: ['ok', 'permanent'] });
    await partial.sup.start();
    expect(partial.sup.snapshot()).toMatchObject({ state: 'connected' });
    expect(partial.sup.snapshot().pool.processes.map((p) => p.state)).toEqual(['serving', 'failed']);
    await partial.sup.stop();
    const none = setup({ workers: 2, outcomes: ['permanent', 'permanent'] });
    await none.sup.start();
    expect(none.sup.snapshot().state).toBe('failed');
    expect(none.launches).toHaveLength(2);
  });

  it('warms the whole new pool before the cut-over, then drains and stops the old one', async () => {
    const { sup, endpoints, launches } = setup({ workers: 2 });
    await sup.start();
    const busy = await sup.lease(100);
    await sup.switchTo(interp('b'));
    expect(launches.map((l) => l.target)).toEqual(['a', 'a', 'b', 'b']);
    const snap = sup.snapshot();
    expect(snap.pool.processes.map((p) => [p.pid, p.state])).toEqual([[1003, 'serving'], [1004, 'serving']]);
    expect(snap.target?.key).toBe('b');
    const idleOld = endpoints.slice(0, 2).find((e) => e !== busy.endpoint);
    await new Promise<void>((r) => {
      const t = setInterval(() => idleOld?.stopped && (clearInterval(t), r()), 5);
    });
    expect((busy.endpoint as { stopped?: boolean }).stopped).toBe(false); // B6: busy is never killed
    busy.release();
    await new Promise<void>((r) => {
      const t = setInterval(() => (busy.endpoint as { stopped?: boolean }).stopped && (clearInterval(t), r()), 5);
    });
    await sup.stop();
  });

  it('rolls a switch back when one new process fails: the new ones stop, the old pool keeps serving', async () => {
    const { sup, endpoints } = setup({ workers: 2, outcomes: ['ok', 'ok', 'ok', 'transient'] });
    await sup.start();
    const err: unknown = await sup.switchTo(interp('b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toMatch(/could not switch the executor to 'b': 1 of 2 executor processes did not start: the executor exited with code 1/);
    expect(endpoints[2]?.stopped).toBe(true);
    const snap = sup.snapshot();
    expect(snap).toMatchObject({ state: 'connected', switchingTo: null });
    expect(snap.target?.key).toBe('a');
    expect(snap.pool.processes.map((p) => p.pid)).toEqual([1001, 1002]);
    await sup.stop();
  });
});

describe('executor.workers in the config', () => {
  it('defaults to 1; auto is one per CPU, at most 4', () => {
    expect(resolveSettings({}, {}).settings.executor.workers).toBe(1);
    expect([1, 2, 3, 4, 16].map((cpus) => workerCount('auto', cpus))).toEqual([1, 2, 3, 4, 4]);
    expect(workerCount(6, 2)).toBe(6);
  });

  it.each(['0', '33', '2.5', '"many"', 'true', 'null', '[2]'])('refuses workers: %s with the key, what is wanted and the line', (value) => {
    const msgs = parseConfig(`executor:\n  mode: spawn\n  workers: ${value}\n`).errors.map(issueToString);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(/^executor\.workers: expected a whole number of executor processes from 1 to 32, or "auto" \(one per CPU, at most 4\); got .+ \(line 3\)$/);
  });

  it('accepts a number or auto, and warns that external mode ignores it', () => {
    expect(parseConfig('executor:\n  workers: auto\n')).toMatchObject({ errors: [], warnings: [] });
    expect(parseConfig('executor:\n  workers: 4\n')).toMatchObject({ errors: [], warnings: [] });
    const external = parseConfig('executor:\n  mode: external\n  workers: 3\n');
    expect(external.errors).toEqual([]);
    expect(external.warnings.map(issueToString)).toEqual(['executor.workers: applies to spawn mode only: executor.mode is external, so the app runs no executor processes of its own (ignored) (line 3)']);
  });
});
