/**
 * Executor pools (`executor.workers`) with real Python executors: N processes per interpreter,
 * calls spread over them, one killed process restarted while the other serves, live switches of
 * the whole pool under load, a failed switch rolled back. The `whoami` fixture plugin answers its
 * executor's pid.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { AppError } from '../../electron/core/app-error.js';
import type { Executor } from '../../electron/core/services.js';
import {
  configYaml,
  load,
  makeVenv,
  pidAlive,
  pythonWithoutGrpc,
  startCore,
  SYSTEM_PYTHON,
  tempDir,
  waitForStatus,
  waitUntil,
  type CoreWithExecutor,
} from '../helpers/executor.js';

const NO_GRPC = pythonWithoutGrpc();
let venvPython = '';
let venvDir = '';
const running: CoreWithExecutor[] = [];

beforeAll(() => {
  venvDir = tempDir('wbx-venv-');
  venvPython = makeVenv(venvDir);
});
afterAll(() => rmSync(venvDir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

async function start(workers: number | 'auto', extra: Record<string, unknown> = {}): Promise<CoreWithExecutor> {
  const interpreters = { system: { path: SYSTEM_PYTHON }, venv: { path: venvPython }, ...(NO_GRPC ? { bare: { path: NO_GRPC } } : {}) };
  const c = await startCore(configYaml({ interpreters, active: 'system', executor: { workers, ...extra } }));
  running.push(c);
  return c;
}

async function whoami(executor: Executor, seconds = 0): Promise<number> {
  const res = await executor.execute({ plugin: 'whoami', method: 'GET', path: '/api/v1/webhook/whoami', headers: {}, query: `seconds=${seconds}`, body: Buffer.alloc(0), contentType: '' });
  expect(res.status).toBe(200);
  return (JSON.parse(res.body.toString()) as { pid: number }).pid;
}

const servingPids = (c: CoreWithExecutor): number[] =>
  c.executor.status().pool.processes.flatMap((p) => (p.state === 'serving' && p.pid !== null ? [p.pid] : []));

describe('executor.workers: 2', () => {
  it('starts two processes, each in the status with its pid; the single-process fields describe the first', async () => {
    const c = await start(2);
    const s = c.executor.status();
    expect(s).toMatchObject({ state: 'connected', restarts: 0, pool: { size: 2, serving: 2 } });
    const pids = s.pool.processes.map((p) => p.pid);
    expect(s.pool.processes.map((p) => [p.index, p.state, p.restarts])).toEqual([[0, 'serving', 0], [1, 'serving', 0]]);
    expect(new Set(pids).size).toBe(2);
    expect(pids.every((p) => p !== null && pidAlive(p))).toBe(true);
    expect(s.pid).toBe(pids[0]);
  });

  it('spreads calls over both processes, one at a time and concurrently', async () => {
    const c = await start(2);
    const pool = new Set(servingPids(c));
    const sequential = new Set<number>();
    for (let i = 0; i < 10; i++) sequential.add(await whoami(c.executor));
    expect(sequential).toEqual(pool);
    // two slow calls at once go to different processes (the least busy one takes the next call)
    const both = await Promise.all([whoami(c.executor, 0.3), whoami(c.executor, 0.3)]);
    expect(new Set(both)).toEqual(pool);
  });

  it('kill -9 of one process: the other keeps serving, the killed one comes back with a new pid', async () => {
    const c = await start(2);
    const [victim, survivor] = servingPids(c) as [number, number];
    const traffic = load(c.executor, 4, 'whoami');
    await waitUntil(() => c.executor.status().requests.total > 20, 10_000, 'traffic');
    // read and kill in one turn of the event loop: no call is routed in between
    const inFlightOnVictim = c.executor.status().pool.processes[0]?.in_flight ?? 0;
    process.kill(victim, 'SIGKILL');
    await waitForStatus(c, (s) => s.pool.processes[0]?.state !== 'serving' || s.pool.processes[0].pid !== victim, 5_000, 'the kill noticed');
    // the survivor answers while its sibling restarts (or the sibling, if it is back already)
    const answeredBy = await whoami(c.executor);
    expect(answeredBy).not.toBe(victim);
    const back = await waitForStatus(c, (s) => s.pool.serving === 2, 15_000, 'the killed process back');
    const result = await traffic.stop();
    const [p0, p1] = back.pool.processes;
    expect(p0).toMatchObject({ index: 0, state: 'serving', restarts: 1 });
    expect(p0?.pid).not.toBe(victim);
    expect(p1).toMatchObject({ index: 1, pid: survivor, state: 'serving', restarts: 0 });
    expect(back.restarts).toBe(1);
    expect(back.state).toBe('connected');
    // only calls in flight on the killed process may fail (calls sent to it after its death, before
    // the pool noticed, never reached it and went to the other process)
    expect(result.failed).toBeLessThanOrEqual(inFlightOnVictim);
    // the unary path says the connection dropped; the streamed one that the plugin may have run
    expect(result.errors.filter((e) => !/unavailable \((Connection dropped|the stream to the executor broke while the call was in flight)/.test(e))).toEqual([]);
    expect(result.ok).toBeGreaterThan(0);
  });

  it('switches the whole pool live under load without a failed request; the old processes drain and exit', async () => {
    const c = await start(2);
    const old = servingPids(c);
    const traffic = load(c.executor, 8);
    for (const name of ['venv', 'system']) {
      const r = await c.core.activation.activate(name);
      expect(r).toMatchObject({ active: name, switched: true });
      expect(c.executor.status()).toMatchObject({ state: 'connected', interpreter: name, pool: { size: 2, serving: 2 } });
    }
    const result = await traffic.stop();
    expect(result.errors).toEqual([]);
    expect(result.ok).toBeGreaterThan(0);
    const now = servingPids(c);
    expect(now).toHaveLength(2);
    expect(now.some((p) => old.includes(p))).toBe(false);
    await waitUntil(() => old.every((p) => !pidAlive(p)), 15_000, 'the old pool to exit');
    expect(c.executor.status().restarts).toBe(0);
  });

  it('never kills a busy process in a switch: its call runs to the end on the old pool', async () => {
    const c = await start(2);
    const old = servingPids(c);
    let done = false;
    // long enough that the switch (two cold starts on a loaded machine) ends while it runs
    const slow = whoami(c.executor, 10).finally(() => (done = true));
    await waitUntil(() => c.executor.status().pool.processes.some((p) => p.in_flight === 1), 5_000, 'the slow call in flight');
    await c.core.activation.activate('venv');
    expect(done).toBe(false);
    expect(old.some((p) => pidAlive(p))).toBe(true);
    expect(old).toContain(await slow);
    await waitUntil(() => old.every((p) => !pidAlive(p)), 15_000, 'the old pool to exit');
  });

  it.skipIf(NO_GRPC === null)('rolls a failed switch back: the new processes are stopped, the old pool keeps serving', async () => {
    const c = await start(2);
    const old = servingPids(c);
    const traffic = load(c.executor, 4);
    const err: unknown = await c.core.activation.activate('bare').catch((e: unknown) => e);
    const result = await traffic.stop();
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'CONFLICT' });
    expect((err as AppError).message).toMatch(/could not switch the executor to 'bare': 2 of 2 executor processes did not start: .*missing Python module 'grpc'/);
    expect(result.errors).toEqual([]);
    expect(servingPids(c)).toEqual(old);
    expect(c.executor.status()).toMatchObject({ state: 'connected', interpreter: 'system', switching_to: null });
  });

  it('a changed executor.workers restarts live with the new number of processes', async () => {
    const c = await start(2);
    const before = servingPids(c);
    await c.core.config.edit((doc) => doc.setIn(['executor', 'workers'], 3));
    const s = await waitForStatus(c, (x) => x.pool.size === 3 && x.pool.serving === 3, 20_000, 'three processes');
    expect(s.pool.processes.some((p) => p.pid !== null && before.includes(p.pid))).toBe(false);
  });
});
