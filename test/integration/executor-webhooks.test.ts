/**
 * End to end through startBridge (headless mode): real HTTP on loopback → Fastify → gRPC → a real
 * Python executor → plugins, with a temp config.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { configYaml, makeVenv, pidAlive, pythonWithoutGrpc, SYSTEM_PYTHON, tempDir, waitUntil } from '../helpers/executor.js';

describe('webhooks through the bridge', () => {
  let b: TestBridge;
  let venvPython: string;
  let venvDir = '';

  beforeAll(async () => {
    venvDir = tempDir('wbx-venv-');
    venvPython = makeVenv(venvDir);
    b = await startTestBridge({
      configText: configYaml({ interpreters: { system: { path: SYSTEM_PYTHON }, venv: { path: venvPython } }, active: 'system', executor: { timeout: 1 } }),
    });
  });
  afterAll(async () => {
    const pid = b?.bridge.core.executor?.status().pid;
    await b?.stop();
    rmSync(venvDir, { recursive: true, force: true });
    if (pid) expect(pidAlive(pid)).toBe(false);
  });

  it('passes nested JSON, the raw query string and the method to the plugin', async () => {
    const payload = { repo: { owner: { login: 'x', ids: [1, 2, { deep: [null, true, 1.5] }] } }, empty: {} };
    const r = await b.request('POST', '/api/v1/webhook/echo?a=1&a=2&b=', { body: payload, auth: false, headers: { 'x-request-id': 'abc' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.json).toMatchObject({ method: 'POST', path: '/api/v1/webhook/echo', query: { a: ['1', '2'], b: [''] }, body: payload, headers: { 'x-request-id': 'abc' } });
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      const m = await b.request(method, '/api/v1/webhook/echo', { auth: false });
      expect(m.status).toBe(200);
      expect((m.json as { method: string }).method).toBe(method);
    }
  });

  it('accepts any content type as raw bytes (and no content type at all)', async () => {
    const text = await b.request('POST', '/api/v1/webhook/echo', { body: 'plain text ✓', auth: false, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    expect(text.json).toMatchObject({ body: 'plain text ✓', content_type: 'text/plain; charset=utf-8' });
    const bin = await b.request('POST', '/api/v1/webhook/echo', { body: Buffer.from([0, 1, 2, 255]), auth: false, headers: { 'content-type': 'application/octet-stream' } });
    expect(bin.json).toMatchObject({ body_bytes: 4 });
    const form = await b.request('POST', '/api/v1/webhook/echo', { body: 'a=1&b=2', auth: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.json).toMatchObject({ body: 'a=1&b=2' });
    const none = await fetch(`${b.url}/api/v1/webhook/echo`, { method: 'POST', body: new Uint8Array([104, 105]) });
    expect(none.status).toBe(200);
    expect(await none.json()).toMatchObject({ body_bytes: 2 });
  });

  it("returns the plugin's own status and headers (repeated names joined)", async () => {
    const r = await b.request('GET', '/api/v1/webhook/getonly?kind=response', { auth: false });
    expect(r.status).toBe(201);
    expect(r.text).toBe('created');
    expect(r.headers.get('x-dup')).toBe('1, 2');
    const post = await b.request('POST', '/api/v1/webhook/getonly', { body: {}, auth: false });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('sends repeated response headers as separate lines (two Set-Cookie stay two)', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(`${b.url}/api/v1/webhook/getonly?kind=cookies`, resolve).on('error', reject));
    res.resume();
    // rawHeaders: [name, value, name, value, …], one pair per header line received
    const values = (name: string): string[] => res.rawHeaders.flatMap((v, i) => (i % 2 === 1 && res.rawHeaders[i - 1]?.toLowerCase() === name ? [v] : []));
    expect(res.statusCode).toBe(200);
    expect(values('set-cookie')).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT']);
    expect(values('x-dup')).toEqual(['1', '2']);
    const viaFetch = await fetch(`${b.url}/api/v1/webhook/getonly?kind=cookies`);
    expect(viaFetch.headers.getSetCookie()).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT']);
    expect(await viaFetch.text()).toBe('two cookies');
  });

  it('a plugin that raises gives 500 with its name and the exception type, no message and no traceback', async () => {
    const r = await b.request('POST', '/api/v1/webhook/boom', { body: { x: 1 }, auth: false });
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: { code: 'INTERNAL', message: "plugin 'boom' raised ValueError (details in the executor log)" } });
    expect(r.text).not.toMatch(/Traceback/);
  });

  it('a plugin past its timeout gives 504 and does not block other webhooks', async () => {
    const slow = b.request('GET', '/api/v1/webhook/sleepy?seconds=5', { auth: false });
    const fast = await b.request('POST', '/api/v1/webhook/noop', { body: {}, auth: false });
    expect(fast.status).toBe(200);
    const r = await slow;
    expect(r.status).toBe(504);
    expect(r.json).toEqual({ error: { code: 'TIMEOUT', message: expect.stringMatching(/timed out/) } });
  });

  it('a plugin with a syntax error gives 500 naming the SyntaxError, and shows as unavailable', async () => {
    const r = await b.request('POST', '/api/v1/webhook/broken', { body: {}, auth: false });
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: { code: 'INTERNAL', message: expect.stringMatching(/SyntaxError/) } });
    const info = await b.request('GET', '/api/v1/plugins/broken', { auth: false });
    expect(info.json).toMatchObject({ name: 'broken', available: false, error: expect.stringMatching(/SyntaxError/) });
  });

  it('unknown plugin → 404, bad name → 400, body over 1 MiB → 413', async () => {
    const unknown = await b.request('POST', '/api/v1/webhook/nope', { body: {}, auth: false });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const bad = await b.request('POST', '/api/v1/webhook/bad.name', { body: {}, auth: false });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    const big = await b.request('POST', '/api/v1/webhook/echo', { body: Buffer.alloc(1024 * 1024 + 10, 97), auth: false, headers: { 'content-type': 'text/plain' } });
    expect(big.status).toBe(413);
    const missing = await b.request('GET', '/api/v1/plugins/nope', { auth: false });
    expect(missing.status).toBe(404);
  });

  it('keeps the dashboard API JSON-only', async () => {
    const r = await b.request('POST', '/api/dashboard/connection/test', { body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(415);
  });

  it('lists plugins and reports the connection, health and a connection test', async () => {
    const list = await b.request('GET', '/api/v1/plugins', { auth: false });
    const names = (list.json as { plugins: { name: string }[] }).plugins.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'noop', 'boom', 'broken', 'getonly', 'sleepy']));
    const health = await b.request('GET', '/health', { auth: false });
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ executor: { state: 'connected', serving: true, interpreter: 'system' } });
    const conn = await b.request('GET', '/api/dashboard/connection');
    expect(conn.json).toMatchObject({ state: 'connected', interpreter: 'system', mode: 'spawn' });
    const test = await b.request('POST', '/api/dashboard/connection/test');
    expect(test.json).toMatchObject({ ok: true, status: 'SERVING', probes: 5, executor: { implementation: 'cpython' } });
    const pt = await b.request('POST', '/api/dashboard/plugins/echo/test', { body: { name: 'echo', method: 'POST', body: { a: [1, { b: 2 }] }, query: 'x=1' } });
    expect(pt.status).toBe(200);
    expect(pt.json).toMatchObject({ status: 200, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse((pt.json as { body: string }).body)).toMatchObject({ body: { a: [1, { b: 2 }] }, query: { x: ['1'] } });
  });

  it('activation through the API switches live: new pid and interpreter, old process gone', async () => {
    const before = (await b.request('GET', '/api/dashboard/connection')).json as { pid: number };
    const act = await b.request('POST', '/api/dashboard/interpreters/venv/activate', { body: {} });
    expect(act.status).toBe(200);
    expect(act.json).toMatchObject({ active: 'venv', previous: 'system', switched: true });
    const after = (await b.request('GET', '/api/dashboard/connection')).json as { pid: number; interpreter: string };
    expect(after.interpreter).toBe('venv');
    expect(after.pid).not.toBe(before.pid);
    await waitUntil(() => !pidAlive(before.pid), 15_000, 'the old executor to exit');
    const r = await b.request('POST', '/api/v1/webhook/noop', { body: {}, auth: false });
    expect(r.status).toBe(200);
    const rc = await b.request('POST', '/api/dashboard/connection/reconnect', { body: { interpreter: 'system' } });
    expect(rc.json).toMatchObject({ state: 'connected', interpreter: 'system' });
  });
});

const NO_GRPC = pythonWithoutGrpc();

describe.skipIf(NO_GRPC === null)('a bridge whose active interpreter cannot run the executor', () => {
  it('still starts; /health is 503, webhooks 503 with Retry-After; activating a good one recovers', async () => {
    const b = await startTestBridge({ configText: configYaml({ interpreters: { bare: { path: NO_GRPC as string }, system: { path: SYSTEM_PYTHON } }, active: 'bare' }) });
    try {
      const health = await b.request('GET', '/health', { auth: false });
      expect(health.status).toBe(503);
      expect(health.headers.get('retry-after')).toBe('1');
      expect(health.json).toMatchObject({ status: 'degraded', executor: { state: 'failed', serving: false, interpreter: 'bare' } });
      const hook = await b.request('POST', '/api/v1/webhook/noop', { body: {}, auth: false });
      expect(hook.status).toBe(503);
      expect(hook.headers.get('retry-after')).toBe('1');
      expect((hook.json as { error: { message: string } }).error.message).toMatch(/grpc/);
      const conn = await b.request('GET', '/api/dashboard/connection');
      expect(conn.json).toMatchObject({ state: 'failed', last_error: expect.stringMatching(/missing Python module 'grpc'/) });
      const act = await b.request('POST', '/api/dashboard/interpreters/system/activate', { body: {} });
      expect(act.status).toBe(200);
      expect((await b.request('GET', '/health', { auth: false })).status).toBe(200);
      const bad = await b.request('POST', '/api/dashboard/interpreters/bare/activate', { body: {} });
      expect(bad.status).toBe(409);
      expect((bad.json as { error: { message: string } }).error.message).toMatch(/missing Python module 'grpc'/);
      expect((await b.request('POST', '/api/v1/webhook/noop', { body: {}, auth: false })).status).toBe(200);
    } finally {
      await b.stop();
    }
  });
});
