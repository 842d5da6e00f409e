/**
 * Review fixes to the webhook_bridge 0.6–4.0 plugin support, through real HTTP → the bridge →
 * gRPC → a real executor under Debian's python3 (fixtures: test/fixtures/legacy-plugins):
 * - a 4.0 helper method named `run` (taking parameters) is never the entry point;
 * - 0.6–3.x plugins answer upstream 2.x/3.x execute()'s wrapper in `data`, 4.0 ones their result;
 *   `plugins.legacy_generation` forces the generation;
 * - a JSON body sent as text/plain or with no Content-Type is still self.data;
 * - errors of loading code (the plugin's or a helper's) never reach a webhook caller's answer
 *   with file content; the plugin's own exception text does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { configYaml, ROOT, SYSTEM_PYTHON } from '../helpers/executor.js';

const LEGACY_PLUGINS = path.join(ROOT, 'test', 'fixtures', 'legacy-plugins');
const INFO = 'This is some additional information.';

type Answer = { status: number; json: unknown; text: string };
const dataOf = (r: Answer): unknown => (r.json as { data: unknown }).data;

async function bridgeWith(extra: Record<string, unknown> = {}): Promise<TestBridge> {
  const cfg = JSON.parse(configYaml({ interpreters: { py: { path: SYSTEM_PYTHON } }, active: 'py', pluginDirs: [LEGACY_PLUGINS] })) as { plugins: Record<string, unknown> };
  Object.assign(cfg.plugins, extra);
  return startTestBridge({ configText: JSON.stringify(cfg) });
}

describe('webhook_bridge generations (auto)', () => {
  let b: TestBridge;
  const call = (method: string, name: string, body?: unknown, headers?: Record<string, string>): Promise<Answer> =>
    b.request(method, `/api/v1/webhook/${name}`, { ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}), auth: false });
  beforeAll(async () => {
    b = await bridgeWith();
  });
  afterAll(() => b?.stop());

  it('a run() helper with a parameter: listed with its handlers, post() answers, run is never called by the host', async () => {
    const list = await b.request('GET', '/api/v1/plugins', { auth: false });
    const byName = Object.fromEntries((list.json as { plugins: { name: string; available: boolean; methods: string[]; error: string }[] }).plugins.map((p) => [p.name, p]));
    expect(byName['v4_run_helper']).toMatchObject({ available: true, methods: ['POST'] });
    expect(byName['v4_run_default']).toMatchObject({ available: true, methods: ['POST'] });
    const r = await call('POST', 'v4_run_helper', { cmd: 'deploy' });
    expect(r.status).toBe(200);
    expect(dataOf(r)).toEqual({ handler: 'post', helper: 'ran deploy' });
    const d = await call('POST', 'v4_run_default', {});
    expect(dataOf(d)).toEqual({ handler: 'post' });
    expect((await call('GET', 'v4_run_default')).status).toBe(405);
  });

  it("0.6–3.x plugins (zero-argument run(), the logger constructor, a class not named Plugin) answer upstream's wrapper", async () => {
    const r = await call('POST', 'v06_run', { a: { b: [1] } });
    expect(r.status).toBe(200);
    expect(dataOf(r)).toEqual({
      input_data: { a: { b: [1] } }, additional_info: INFO, http_method: 'POST', plugin_executed: true, status: 'success',
      result: { greeting: 'hi', method: 'POST', data: { a: { b: [1] } }, logger: 'Logger' },
    });
    const s = await call('POST', 'v3_named', { project_name: 'web', level: 'error' });
    expect(dataOf(s)).toMatchObject({ input_data: { project_name: 'web', level: 'error' }, result: { project: 'web', level: 'error' }, status: 'success' });
  });

  it('4.0 plugins and classes that do not tell answer their result as it is', async () => {
    expect(dataOf(await call('PUT', 'v4_init', {}))).toEqual({ seen: 'PUT', method: 'PUT', logger: true });
    expect(dataOf(await call('GET', 'v3_handle'))).toEqual({ result: 'handled GET' });
  });

  it('JSON sent as text/plain or with no Content-Type is self.data; a form body is still a form', async () => {
    const plain = await call('PUT', 'v2_rest', '{"id": "p1"}');
    expect(dataOf(plain)).toEqual({ handler: 'put', id: 'p1' });
    const none = await call('PATCH', 'v2_rest', Buffer.from('{"a": {"b": 1}}'));
    expect(dataOf(none)).toEqual({ handler: 'handle', method: 'PATCH', data: { a: { b: 1 } } });
    const form = await call('PATCH', 'v2_rest', 'a=1&b={x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(dataOf(form)).toEqual({ handler: 'handle', method: 'PATCH', data: { a: '1', b: '{x' } });
  });

  it("load-time errors give webhook callers the name and exception type only; the plugin's own words stay", async () => {
    const leak = await call('POST', 'load_leak', {});
    expect(leak.status).toBe(500);
    expect(leak.text).toContain('load_leak');
    expect(leak.text).toContain('ValueError');
    expect(leak.text).not.toContain('wbx-fixture-secret-line');
    const lazy = await call('POST', 'lazy_load', {});
    expect(lazy.status).toBe(500);
    expect(lazy.json).toMatchObject({ status_code: 500, error: "plugin 'lazy_load' raised KeyError (details in the executor log)" });
    expect(lazy.text).not.toContain('wbx-fixture-helper-secret');
    const own = await call('PUT', 'lazy_load', { order: 9 });
    expect(own.json).toMatchObject({ status_code: 500, error: "the plugin's own words: order 9" });
    const log = b.bridge.core.logs.read(0, 5000).entries.map((e) => e.message).join('\n');
    expect(log).toContain('wbx-fixture-helper-secret');
    expect(log).toContain('wbx-fixture-secret-line');
  });
});

describe('plugins.legacy_generation forces the generation', () => {
  let b: TestBridge;
  beforeAll(async () => {
    b = await bridgeWith({ legacy_generation: 3 });
  });
  afterAll(() => b?.stop());

  it("3: a handle()-only plugin answers upstream's wrapper, its string result inside as {result}", async () => {
    const r = await b.request('GET', '/api/v1/webhook/v3_handle?q=1', { auth: false });
    expect(dataOf(r)).toEqual({ input_data: { q: '1' }, additional_info: INFO, http_method: 'GET', result: { result: 'handled GET' }, plugin_executed: true, status: 'success' });
    const e = await b.request('POST', '/api/v1/webhook/v3_raises', { body: { order: 2 }, auth: false });
    expect(e.status).toBe(500);
    expect(e.json).toMatchObject({
      error: 'cannot process order 2',
      data: { input_data: { order: 2 }, plugin_executed: false, error: 'cannot process order 2', http_method: 'POST', status: 'error' },
    });
  });
});
