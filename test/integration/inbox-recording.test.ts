/**
 * Recording deliveries end to end: a headless bridge with a real executor, webhooks over real HTTP
 * (raw bytes, so repeated headers stay repeated), and the inbox's SQLite file in the data folder.
 * Each record is checked against what was sent and what the executor reported.
 */
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import { DeliverySchema, type Delivery } from '../../shared/dto/deliveries.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { configYaml, ROOT, SYSTEM_PYTHON, tempDir } from '../helpers/executor.js';
import { sendRaw } from '../helpers/http-raw.js';
import { waitFor } from '../helpers/chaos.js';

const SECRET = 'inbox-test-secret';
/** The executor returns the plugin's log lines once it captures them (resources/python/…/capture.py). */
const EXECUTOR_CAPTURES_LOGS = existsSync(path.join(ROOT, 'resources', 'python', 'webhook_bridge_executor', 'capture.py'));

const ECHO = `from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
    def handle(self, request):
        self.logger.info("handling %s", request.method)
        return 201, {"got": len(request.raw_body)}, {"X-Answer": "yes", "Set-Cookie": "s=1"}
`;

const SIGNED = `from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
    secret = ${JSON.stringify(SECRET)}

    def post(self, request):
        return {"ok": True}
`;

function rawRequest(port: number, pluginPath: string, headers: Array<[string, string]>, body: Buffer): Buffer {
  const head = [`POST ${pluginPath} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...headers.map(([n, v]) => `${n}: ${v}`), `Content-Length: ${body.length}`, 'Connection: close', '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

describe('the inbox records every call of the webhook path', () => {
  let b: TestBridge;
  let dir: string;
  let port: number;

  const inbox = () => b.bridge.core.inbox;
  /** Waits until `n` deliveries are stored (records are written behind the responses). */
  async function stored(n: number, filter: Parameters<ReturnType<typeof inbox>['query']>[0] = {}): Promise<Delivery[]> {
    await waitFor(() => inbox().query({ ...filter, limit: 500 }).items.length >= n, 20_000, `${n} deliveries stored`);
    return inbox().query({ ...filter, limit: 500 }).items.map((s) => inbox().get(s.id));
  }

  beforeAll(async () => {
    dir = tempDir('wb-inbox-');
    const plugins = path.join(dir, 'plugins');
    mkdirSync(plugins);
    writeFileSync(path.join(plugins, 'echo.py'), ECHO);
    writeFileSync(path.join(plugins, 'signed.py'), SIGNED);
    writeFileSync(path.join(plugins, 'noop.py'), 'from webhook_bridge import BasePlugin\n\n\nclass Plugin(BasePlugin):\n    def handle(self, request):\n        return {"ok": True}\n');
    b = await startTestBridge({ dir, configText: configYaml({ interpreters: { system: { path: SYSTEM_PYTHON } }, active: 'system', pluginDirs: [plugins] }) });
    port = Number(new URL(b.url).port);
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps headers as received (repeats, order), body bytes, remote address, plugin, interpreter and executor, response and log lines; redacts Authorization and Cookie', async () => {
    const body = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7b]);
    const res = await sendRaw(port, rawRequest(port, '/api/v1/webhook/echo?a=1&a=2', [
      ['X-Tag', 'one'], ['Content-Type', 'application/octet-stream'], ['X-Tag', 'two'],
      ['Authorization', 'Bearer very-secret'], ['Cookie', 'session=abc'], ['X-GitHub-Event', 'push'], ['X-GitHub-Delivery', 'gh-1'],
    ], body));
    expect(res.status, res.text).toBe(201);
    const [d] = await stored(1, { plugin: 'echo' });
    if (!d) throw new Error('not stored');
    expect(Value.Errors(DeliverySchema, d)).toEqual([]);
    const names = d.request.headers.map(([n]) => n);
    expect(names.slice(0, 7)).toEqual(['Host', 'X-Tag', 'Content-Type', 'X-Tag', 'Authorization', 'Cookie', 'X-GitHub-Event']);
    expect(d.request.headers.filter(([n]) => n === 'X-Tag').map(([, v]) => v)).toEqual(['one', 'two']);
    expect(d.request.headers).toContainEqual(['Authorization', '[redacted]']);
    expect(d.request.headers).toContainEqual(['Cookie', '[redacted]']);
    expect(JSON.stringify(d)).not.toContain('very-secret');
    expect(JSON.stringify(d)).not.toContain('session=abc');
    expect(d.request.body).toEqual({ encoding: 'base64', data: body.toString('base64'), size: 5, truncated: false });
    expect(d.request).toMatchObject({ method: 'POST', path: '/api/v1/webhook/echo', query: 'a=1&a=2', content_type: 'application/octet-stream', remote_address: '127.0.0.1' });
    const conn = b.bridge.core.executor.status();
    expect(d).toMatchObject({ plugin: 'echo', interpreter: 'system', executor_pid: conn.pid, executor_generation: conn.generation, status: 201, state: 'done', attempt: 1, replay_of: null });
    expect(d).toMatchObject({ provider: 'github', event: 'push', provider_delivery_id: 'gh-1', signature: 'not_checked' });
    expect(d.response?.headers).toContainEqual(['X-Answer', 'yes']);
    expect(JSON.parse(d.response?.body.data ?? '')).toEqual({ got: 5 });
    expect(d.attempts).toHaveLength(1);
    expect(d.attempts[0]).toMatchObject({ attempt: 1, status: 201, executor_pid: conn.pid });
    if (EXECUTOR_CAPTURES_LOGS) expect(d.logs).toContainEqual(expect.objectContaining({ attempt: 1, level: 'INFO', message: 'handling POST' }));
  });

  it('records the signature verdict, the dashboard test request and a failed call', async () => {
    const body = '{"a":1}';
    const sig = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    const h = { auth: false, headers: { 'content-type': 'application/json' } };
    expect((await b.request('POST', '/api/v1/webhook/signed', { ...h, body, headers: { ...h.headers, 'x-hub-signature-256': sig } })).status).toBe(200);
    expect((await b.request('POST', '/api/v1/webhook/signed', { ...h, body, headers: { ...h.headers, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } })).status).toBe(401);
    const signed = await stored(2, { plugin: 'signed' });
    expect(signed.map((d) => [d.status, d.signature])).toEqual([[401, 'rejected'], [200, 'verified']]);

    const test = await b.request('POST', '/api/dashboard/plugins/noop/test', { body: { method: 'POST', body: { x: 1 } } });
    expect(test.status).toBe(200);
    const [t] = await stored(1, { plugin: 'noop' });
    expect(t?.request.headers).toContainEqual(['user-agent', 'webhook-bridge-dashboard']);
    expect(t?.request.body.data).toBe('{"x":1}');

    expect((await b.request('POST', '/api/v1/webhook/nosuchplugin', { ...h, body })).status).toBe(404);
    const [missing] = await stored(1, { plugin: 'nosuchplugin' });
    expect(missing).toMatchObject({ status: 404, response: null, error_detail: { code: 'NOT_FOUND' } });
    expect(inbox().query({ status: 'error', plugin: 'nosuchplugin' }).items).toHaveLength(1);
  });

  it('writes concurrent webhooks in fewer transactions than rows (group commit), announced as deliveryRecorded', async () => {
    const announced: string[] = [];
    const sub = b.bridge.core.events.on('deliveryRecorded', (e) => announced.push(...e.deliveries.map((d) => d.id)));
    const before = inbox().counters();
    const already = inbox().query({ plugin: 'noop', limit: 500 }).items.length;
    const N = 96;
    const results = await Promise.all(Array.from({ length: N }, (_, i) => b.request('POST', '/api/v1/webhook/noop', { auth: false, body: `{"i":${i}}`, headers: { 'content-type': 'application/json' } })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await stored(already + N, { plugin: 'noop' });
    const after = inbox().counters();
    expect(after.rows - before.rows).toBeGreaterThanOrEqual(N);
    expect(after.transactions - before.transactions).toBeLessThan(after.rows - before.rows);
    sub.dispose();
    const ids = inbox().query({ plugin: 'noop', limit: N }).items.map((d) => d.id);
    expect(ids.every((id) => announced.includes(id))).toBe(true);
  });

  it('records nothing while inbox.enabled is false', async () => {
    await b.bridge.core.config.edit((doc) => doc.setIn(['inbox', 'enabled'], false));
    const count = inbox().query({ limit: 500 }).items.length;
    expect((await b.request('POST', '/api/v1/webhook/noop', { auth: false, body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(200);
    expect(b.bridge.core.executor.status().inbox?.state).toBe('off');
    // one more webhook after it, with recording back on, is stored; the one before it never is
    await b.bridge.core.config.edit((doc) => doc.setIn(['inbox', 'enabled'], true));
    expect((await b.request('POST', '/api/v1/webhook/noop', { auth: false, body: '{"after":1}', headers: { 'content-type': 'application/json' } })).status).toBe(200);
    await stored(count + 1);
    await new Promise((r) => setTimeout(r, 50));
    inbox().flush();
    expect(inbox().query({ limit: 500 }).items.length).toBe(count + 1);
  });
});
