/**
 * Acknowledge now, run reliably (ack: immediate), end to end: a headless bridge in this process with
 * a real executor, real HTTP and the real SQLite inbox. The plugins write a marker file per run
 * (named by the delivery id and attempt the bridge tells them), so what ran is read from the disk,
 * not from the bridge's own account.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { DeliverySchema, type Delivery } from '../../shared/dto/deliveries.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { waitFor } from '../helpers/chaos.js';
import { SYSTEM_PYTHON, TEST_TUNING, tempDir } from '../helpers/executor.js';
import { markerPlugin } from '../helpers/marker-plugin.js';

describe('ack: immediate', () => {
  let b: TestBridge;
  let dir: string;
  let plugins: string;
  let markers: string;

  const runsOf = (id: string): string[] => readdirSync(markers).filter((f) => f.startsWith(`${id}-`) && !f.endsWith('.finished')).sort();
  const get = async (id: string): Promise<Delivery> => {
    const res = await b.request('GET', `/api/dashboard/deliveries/${id}`);
    expect(res.status, res.text).toBe(200);
    return res.json as Delivery;
  };
  const settled = async (id: string, state: Delivery['state'], attempts?: number): Promise<Delivery> => {
    let last: Delivery | undefined;
    const t0 = Date.now();
    while (Date.now() - t0 < 30_000) {
      last = await get(id);
      if (last.state === state && (attempts === undefined || last.attempt === attempts)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`delivery ${id} did not become ${state}${attempts ? ` after ${attempts} attempts` : ''}: ${JSON.stringify(last)}`);
  };
  const post = async (plugin: string, body: unknown = { n: 1 }): Promise<{ status: number; id: string; location: string | null; json: unknown }> => {
    const res = await b.request('POST', `/api/v1/webhook/${plugin}`, { body, auth: false });
    const id = (res.json as { delivery_id?: string } | undefined)?.delivery_id ?? '';
    return { status: res.status, id, location: res.headers.get('location'), json: res.json };
  };

  beforeAll(async () => {
    dir = tempDir('wb-async-');
    plugins = path.join(dir, 'plugins');
    markers = path.join(dir, 'markers');
    mkdirSync(plugins);
    mkdirSync(markers);
    writeFileSync(path.join(plugins, 'classack.py'), markerPlugin(markers, { ack: 'immediate' }));
    writeFileSync(path.join(plugins, 'configack.py'), markerPlugin(markers));
    writeFileSync(path.join(plugins, 'overridden.py'), markerPlugin(markers, { ack: 'immediate' }));
    writeFileSync(path.join(dir, 'broken'), '');
    writeFileSync(path.join(plugins, 'failing.py'), markerPlugin(markers, { ack: 'immediate', failWhile: path.join(dir, 'broken') }));
    writeFileSync(path.join(plugins, 'refusing.py'), markerPlugin(markers, { ack: 'immediate', status: 422 }));
    writeFileSync(path.join(plugins, 'slow.py'), markerPlugin(markers, { ack: 'immediate', sleepS: 4 }));
    const config = {
      python: { interpreters: { system: { path: SYSTEM_PYTHON } }, active_interpreter: 'system' },
      executor: { max_restarts: 20, restart_window: 60 },
      plugins: {
        dirs: [plugins],
        settings: { configack: { ack: 'immediate' }, overridden: { ack: 'sync' }, failing: { max_attempts: 3 } },
      },
      inbox: { retry_initial_ms: 20, retry_max_ms: 200 },
      logging: { level: 'info' },
    };
    b = await startTestBridge({ dir, configText: JSON.stringify(config), executorTuning: TEST_TUNING });
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 202 {"delivery_id"} with the job status as Location, then runs the plugin once', async () => {
    const sent = await post('classack', { hello: 'world' });
    expect(sent.status).toBe(202);
    expect(sent.json).toEqual({ delivery_id: sent.id });
    expect(sent.location).toBe(`/api/dashboard/deliveries/${sent.id}`);
    const d = await settled(sent.id, 'done');
    expect(Value.Check(DeliverySchema, d)).toBe(true);
    expect(d).toMatchObject({ plugin: 'classack', status: 200, attempt: 1, next_attempt_at: null, error: null });
    expect(d.attempts).toHaveLength(1);
    expect(d.attempts[0]).toMatchObject({ attempt: 1, status: 200, error: null });
    expect(d.response?.body.data).toBe(JSON.stringify({ ran: `${sent.id}-1` }));
    expect(runsOf(sent.id)).toEqual([`${sent.id}-1`]);
    // the request as it came: the body, and none of the bridge's own headers
    expect(d.request.body.data).toBe('{"hello":"world"}');
    expect(d.request.headers.some(([n]) => n.toLowerCase().startsWith('x-webhook-bridge'))).toBe(false);
  });

  it('does not queue a repeat of a provider delivery id again (dedup), answering with the original', async () => {
    const send = () => b.request('POST', '/api/v1/webhook/classack', { body: { n: 7 }, auth: false, headers: { 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'gh-async-1' } });
    const first = await send();
    expect(first.status).toBe(202);
    const id = (first.json as { delivery_id: string }).delivery_id;
    const repeat = await send();
    expect(repeat.status).toBe(200);
    expect(repeat.headers.get('x-webhook-bridge-duplicate-of')).toBe(id);
    await settled(id, 'done');
    expect((await send()).status).toBe(200);
    expect(runsOf(id)).toHaveLength(1);
  });

  it('takes ack from the config when it says, over the class attribute', async () => {
    const byConfig = await post('configack');
    expect(byConfig.status).toBe(202);
    await settled(byConfig.id, 'done');
    expect(runsOf(byConfig.id)).toHaveLength(1);
    const sync = await post('overridden');
    expect(sync.status).toBe(200);
    expect(sync.json).toEqual({ ran: 'sync-0' });
  });

  it('retries a 5xx with backoff until max_attempts, then dead with every attempt; a retry by hand runs it again', async () => {
    const sent = await post('failing');
    expect(sent.status).toBe(202);
    const dead = await settled(sent.id, 'dead');
    expect(dead.attempt).toBe(3);
    expect(dead.attempts.map((a) => [a.attempt, a.status])).toEqual([[1, 500], [2, 500], [3, 500]]);
    expect(dead.error).toMatch(/3 of max_attempts 3 failed/);
    expect(dead.attempts.every((a) => a.error?.code === 'PLUGIN_FAILED')).toBe(true);
    expect(dead.next_attempt_at).toBeNull();
    expect(runsOf(sent.id)).toEqual([1, 2, 3].map((n) => `${sent.id}-${n}`));
    // the plugin is fixed; the dead delivery is retried by hand
    rmSync(path.join(dir, 'broken'));
    const retried = await b.request('POST', `/api/dashboard/deliveries/${sent.id}/retry`);
    expect(retried.status, retried.text).toBe(202);
    expect((retried.json as Delivery).state).toMatch(/queued|running|done/);
    const done = await settled(sent.id, 'done', 4);
    expect(done.attempts.map((a) => [a.attempt, a.status])).toEqual([[1, 500], [2, 500], [3, 500], [4, 200]]);
    expect(runsOf(sent.id)).toHaveLength(4);
    // a delivery that succeeded is not retried (replay runs it again)
    const again = await b.request('POST', `/api/dashboard/deliveries/${sent.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.text).toMatch(/succeeded/);
  });

  it('does not retry a 4xx: done at once with the refusal; a retry by hand is allowed', async () => {
    const sent = await post('refusing');
    const d = await settled(sent.id, 'done');
    expect(d).toMatchObject({ status: 422, attempt: 1, next_attempt_at: null });
    expect(d.error_detail?.code).toBe('PLUGIN_REFUSED');
    expect(runsOf(sent.id)).toHaveLength(1);
    const retried = await b.request('POST', `/api/dashboard/deliveries/${sent.id}/retry`);
    expect(retried.status, retried.text).toBe(202);
    const twice = await settled(sent.id, 'done', 2);
    expect(twice.attempts.map((a) => a.status)).toEqual([422, 422]);
    expect(runsOf(sent.id)).toHaveLength(2);
  });

  it('kill -9 of the executor mid-run: the attempt fails, the delivery is retried and runs to the end', async () => {
    const sent = await post('slow');
    expect(sent.status).toBe(202);
    await waitFor(() => runsOf(sent.id).length >= 1, 20_000, 'the first attempt started');
    const [pid] = readFileSync(path.join(markers, `${sent.id}-1`), 'utf8').split(' ');
    process.kill(Number(pid), 'SIGKILL');
    const d = await settled(sent.id, 'done');
    expect(d.attempt).toBeGreaterThanOrEqual(2);
    expect(d.attempts[0]?.status).toBeGreaterThanOrEqual(500);
    expect(d.attempts[0]?.error).not.toBeNull();
    expect(d.attempts.at(-1)).toMatchObject({ status: 200, error: null });
    expect(existsSync(path.join(markers, `${sent.id}-1.finished`))).toBe(false);
    expect(existsSync(path.join(markers, `${sent.id}-${d.attempt}.finished`))).toBe(true);
    expect(d.executor_pid).not.toBe(Number(pid));
  });

  it('refuses a retry of an unknown delivery (404) and of one still queued or running (409)', async () => {
    const unknown = await b.request('POST', '/api/dashboard/deliveries/01JD0000000000000000000000/retry');
    expect(unknown.status).toBe(404);
    const sent = await post('slow');
    await waitFor(() => runsOf(sent.id).length >= 1, 20_000, 'the attempt started');
    const busy = await b.request('POST', `/api/dashboard/deliveries/${sent.id}/retry`);
    expect(busy.status).toBe(409);
    await settled(sent.id, 'done');
  });
});

describe('ack: immediate with recording off (inbox.enabled: false)', () => {
  it('still keeps and runs immediate deliveries (the database is their queue); sync ones are not recorded', async () => {
    const dir = tempDir('wb-async-off-');
    const plugins = path.join(dir, 'plugins');
    const markers = path.join(dir, 'markers');
    mkdirSync(plugins);
    mkdirSync(markers);
    writeFileSync(path.join(plugins, 'later.py'), markerPlugin(markers, { ack: 'immediate' }));
    writeFileSync(path.join(plugins, 'now.py'), markerPlugin(markers));
    const config = {
      python: { interpreters: { system: { path: SYSTEM_PYTHON } }, active_interpreter: 'system' },
      plugins: { dirs: [plugins] },
      inbox: { enabled: false },
    };
    const b = await startTestBridge({ dir, configText: JSON.stringify(config), executorTuning: TEST_TUNING });
    try {
      const sync = await b.request('POST', '/api/v1/webhook/now', { body: {}, auth: false });
      expect(sync.status).toBe(200);
      const sent = await b.request('POST', '/api/v1/webhook/later', { body: {}, auth: false });
      expect(sent.status).toBe(202);
      const id = (sent.json as { delivery_id: string }).delivery_id;
      await waitFor(() => readdirSync(markers).includes(`${id}-1`), 20_000, 'the immediate delivery to run');
      await waitFor(() => b.bridge.core.inbox.query({ state: 'done' }).items.some((d) => d.id === id), 20_000, 'its row done');
      expect(b.bridge.core.inbox.query({ plugin: 'now' }).items).toHaveLength(0);
    } finally {
      await b.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
