/**
 * `GET /metrics` end to end: real webhooks over real HTTP through the real Python executor, then a
 * real scrape parsed by the strict exposition parser (test/helpers/prom-text.ts). Counts must match
 * what was sent; histograms must be cumulative; the token is required unless opened on loopback.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../electron/api/server.js';
import { metricsRoute } from '../../electron/api/metrics.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { configYaml, makeVenv, SYSTEM_PYTHON, tempDir, waitForStatus } from '../helpers/executor.js';
import { histogramSeries, parsePrometheusText, sampleValue, type Family } from '../helpers/prom-text.js';

/** The labels of the active pool's series: the active interpreter is 'system'. */
const ACTIVE = { interpreter: 'system', pool: 'active' };

describe('GET /metrics', () => {
  let b: TestBridge;
  let venvDir = '';

  beforeAll(async () => {
    venvDir = tempDir('wbx-venv-');
    const venvPython = makeVenv(venvDir);
    b = await startTestBridge({
      configText: configYaml({ interpreters: { system: { path: SYSTEM_PYTHON }, venv: { path: venvPython } }, active: 'system', executor: { timeout: 10 } }),
      // after the first crash (restarted at once), the next restart waits 1.5 s: calls sent meanwhile are seen queued
      executorTuning: { backoff: { initialMs: 1_500, maxMs: 3_000, factor: 2 }, healthyResetMs: 600_000, requestWaitMs: 30_000 },
    });
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(venvDir, { recursive: true, force: true });
  });

  const scrape = async (): Promise<Map<string, Family>> => {
    const r = await b.request('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(r.text);
  };
  const count = (f: Map<string, Family>, plugin: string, status_class: string): number => sampleValue(f, 'webhook_bridge_webhooks_total', { plugin, status_class }) ?? 0;
  const hook = (method: string, target: string): Promise<number> => fetch(`${b.url}/api/v1/webhook/${target}`, { method, ...(method === 'GET' ? {} : { body: '{"n":1}', headers: { 'content-type': 'application/json' } }) }).then(async (r) => (await r.arrayBuffer(), r.status));

  it('needs the API token like the dashboard API, whatever the spelling of the path', async () => {
    for (const p of ['/metrics', '/METRICS', '/%6detrics', '/api/../metrics']) {
      const anon = await b.request('GET', p, { auth: false });
      expect(anon.status, p).toBe(401);
      expect(anon.text).not.toContain('webhook_bridge_');
    }
    const wrong = await b.request('GET', '/metrics', { auth: false, headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    await scrape();
  });

  it('counts every webhook sent by plugin and status class, with a cumulative latency histogram per plugin', async () => {
    const before = await scrape();
    const sent: Array<[string, string, number]> = [
      ...Array.from({ length: 7 }, (): [string, string, number] => ['POST', 'noop', 200]),
      ['GET', 'getonly?kind=response', 201],
      ['POST', 'boom', 500],
      ['POST', 'boom', 500],
      ['POST', 'boom', 500],
      ['POST', 'getonly', 405],
      ['POST', 'getonly', 405],
      ['POST', 'no_such_plugin', 404],
      ['POST', 'no_such_plugin_either', 404],
    ];
    for (const [method, target, status] of sent) expect(await hook(method, target), target).toBe(status);
    const f = await scrape();
    const delta = (plugin: string, cls: string): number => count(f, plugin, cls) - count(before, plugin, cls);
    expect(delta('noop', '2xx')).toBe(7);
    expect(delta('getonly', '2xx')).toBe(1);
    expect(delta('getonly', '4xx')).toBe(2);
    expect(delta('boom', '5xx')).toBe(3);
    expect(delta('(unknown)', '4xx')).toBe(2);
    expect(sampleValue(f, 'webhook_bridge_webhooks_total', { plugin: 'no_such_plugin', status_class: '4xx' })).toBeUndefined();
    const latency = f.get('webhook_bridge_webhook_duration_seconds');
    expect(latency?.type).toBe('histogram');
    const series = histogramSeries(latency!);
    const noop = series.find((s) => s.labels['plugin'] === 'noop');
    const noopBefore = histogramSeries(before.get('webhook_bridge_webhook_duration_seconds')!).find((s) => s.labels['plugin'] === 'noop');
    expect((noop?.count ?? 0) - (noopBefore?.count ?? 0)).toBe(7);
    expect(noop?.sum).toBeGreaterThan(0);
    // every plugin's histogram counts exactly its calls (the parser already checked buckets are cumulative)
    for (const s of series) {
      const total = ['1xx', '2xx', '3xx', '4xx', '5xx'].reduce((n, c) => n + count(f, s.labels['plugin'] ?? '', c), 0);
      expect(s.count, s.labels['plugin']).toBe(total);
    }
    expect(sampleValue(f, 'webhook_bridge_webhooks_in_flight')).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_webhooks_waiting')).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_executor_state', { state: 'connected' })).toBe(1);
    const pid = b.bridge.core.executor.status().pid;
    expect(sampleValue(f, 'webhook_bridge_executor_process_state', { ...ACTIVE, process: '0', state: 'serving' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_process_state', { ...ACTIVE, process: '0', state: 'restarting' })).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_executor_process_pid', { ...ACTIVE, process: '0' })).toBe(pid);
    expect(sampleValue(f, 'webhook_bridge_executor_pool_processes', { ...ACTIVE, state: 'serving' })).toBe(1);
  });

  it('shows a running call in flight, and calls queued while the executor restarts after kill -9', async () => {
    const slow = hook('POST', 'busy?seconds=2');
    for (let f = await scrape(); (sampleValue(f, 'webhook_bridge_webhooks_in_flight') ?? 0) < 1; f = await scrape()) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await slow).toBe(200);
    const restartsBefore = sampleValue(await scrape(), 'webhook_bridge_executor_restarts_total') ?? 0;

    const c = { core: b.bridge.core, executor: b.bridge.core.executor };
    // the first crash is restarted at once; the second waits for the backoff
    const first = c.executor.status().pid as number;
    process.kill(first, 'SIGKILL');
    await waitForStatus(c, (s) => s.state === 'connected' && s.pid !== null && s.pid !== first, 15_000, 'serving after the first kill');
    const pid = c.executor.status().pid as number;
    process.kill(pid, 'SIGKILL');
    await waitForStatus(c, (s) => s.state !== 'connected' || s.pid !== pid, 15_000, 'the executor to notice the kill');
    const queued = [hook('POST', 'noop'), hook('POST', 'noop')];
    let f = await scrape();
    while ((sampleValue(f, 'webhook_bridge_webhooks_waiting') ?? 0) < 2 && c.executor.status().state !== 'connected') f = await scrape();
    expect(sampleValue(f, 'webhook_bridge_webhooks_waiting')).toBe(2);
    expect(sampleValue(f, 'webhook_bridge_executor_state', { state: 'connected' })).toBe(0);
    expect(await Promise.all(queued)).toEqual([200, 200]);
    await waitForStatus(c, (s) => s.state === 'connected', 15_000, 'serving again');
    f = await scrape();
    expect(sampleValue(f, 'webhook_bridge_webhooks_waiting')).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_executor_restarts_total')).toBe(restartsBefore + 2);
    expect(sampleValue(f, 'webhook_bridge_executor_process_restarts_total', { ...ACTIVE, process: '0' })).toBe(restartsBefore + 2);
    expect(sampleValue(f, 'webhook_bridge_executor_process_pid', { ...ACTIVE, process: '0' })).toBe(c.executor.status().pool.processes[0]?.pid);
  });

  it('times each switch of interpreter', async () => {
    const before = histogramSeries((await scrape()).get('webhook_bridge_executor_switch_duration_seconds')!);
    const switched = (s: typeof before): number => s.find((x) => x.labels['outcome'] === 'switched')?.count ?? 0;
    for (const name of ['venv', 'system']) expect((await b.request('POST', `/api/dashboard/interpreters/${name}/activate`)).status).toBe(200);
    const after = histogramSeries((await scrape()).get('webhook_bridge_executor_switch_duration_seconds')!);
    expect(switched(after) - switched(before)).toBe(2);
    expect(after.find((x) => x.labels['outcome'] === 'switched')?.sum).toBeGreaterThan(0);
  });

  it('server.metrics_unauthenticated opens it to loopback clients, read live; the API stays closed', async () => {
    await b.bridge.core.config.edit((doc) => doc.setIn(['server', 'metrics_unauthenticated'], true));
    const open = await b.request('GET', '/metrics', { auth: false });
    expect(open.status).toBe(200);
    expect(sampleValue(parsePrometheusText(open.text), 'webhook_bridge_executor_state', { state: 'connected' })).toBe(1);
    expect((await b.request('GET', '/api/dashboard/connection', { auth: false })).status).toBe(401);
    await b.bridge.core.config.edit((doc) => doc.setIn(['server', 'metrics_unauthenticated'], false));
    expect((await b.request('GET', '/metrics', { auth: false })).status).toBe(401);
  });

  it('ignores server.metrics_unauthenticated off loopback: a non-loopback bind, or a non-loopback peer', async () => {
    const { core, handlers, validator } = b.bridge;
    const serve = (listenHost: string) =>
      buildServer({ handlers, validator, events: core.events, logger: core.logger, token: b.token, listenHost, fallbackPort: 8000, metricsUnauthenticated: () => true, plugins: [metricsRoute(core.metrics)] });
    const lan = await serve('10.1.2.3');
    const local = await serve('127.0.0.1');
    try {
      const get = (app: typeof lan, host: string, remoteAddress: string) => app.inject({ method: 'GET', url: '/metrics', headers: { host }, remoteAddress });
      expect((await get(lan, '10.1.2.3:8000', '127.0.0.1')).statusCode).toBe(401);
      expect((await get(local, '127.0.0.1:8000', '10.9.9.9')).statusCode).toBe(401);
      expect((await get(local, '127.0.0.1:8000', '127.0.0.1')).statusCode).toBe(200);
      expect((await get(local, '127.0.0.1:8000', '::1')).statusCode).toBe(200);
    } finally {
      await lan.close();
      await local.close();
    }
  });

  it('is in the OpenAPI document, with the bearer token (or none, when opened)', async () => {
    const doc = (await b.request('GET', '/api/openapi.json')).json as { paths: Record<string, { get?: { security?: unknown; responses?: Record<string, unknown> } }> };
    expect(doc.paths['/metrics']?.get?.security).toEqual([{ bearer: [] }, {}]);
    expect(Object.keys(doc.paths['/metrics']?.get?.responses ?? {})).toEqual(['200', '401', '403']);
  });
});
