/**
 * The delivery operations over real HTTP against a headless bridge with a real executor and a real
 * SQLite inbox: webhooks sent to plugins become deliveries that the list filters and pages, the
 * detail shows whole, the exports reproduce (the pytest file passes under Debian's python3), a
 * replay makes a new linked delivery (under another interpreter too, and into a signed plugin
 * without the sender's secret), a filter deletes, and each commit is pushed on the event stream.
 */
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, DeliveryPage } from '../../shared/dto/deliveries.js';
import type { DeliveryExport } from '../../shared/dto/delivery-ops.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { configYaml, FIXTURE_PLUGINS, makeVenv, RESOURCES, SYSTEM_PYTHON, tempDir } from '../helpers/executor.js';

const SECRET = 'replay-secret-31';
const SIGNED = `from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
    secret = ${JSON.stringify(SECRET)}

    def post(self, request):
        self.logger.info("signed plugin ran for %s", request.body.get("n"))
        return {"ran": True, "n": request.body.get("n")}
`;

describe('delivery operations (REST, real executor, real SQLite)', () => {
  let b: TestBridge;
  let dir: string;
  const ids: Record<string, string> = {};

  const api = async <T>(method: string, url: string, body?: unknown): Promise<{ status: number; json: T }> => {
    const r = await b.request(method, url, body === undefined ? {} : { body });
    return { status: r.status, json: r.json as T };
  };
  const hook = (plugin: string, body: string, headers: Record<string, string> = {}): ReturnType<TestBridge['request']> =>
    b.request('POST', `/api/v1/webhook/${plugin}`, { body, auth: false, headers: { 'content-type': 'application/json', ...headers } });
  /** Waits (polling) until the list under `query` holds `n` deliveries. */
  async function listed(query: string, n: number): Promise<DeliveryPage> {
    for (let i = 0; i < 200; i++) {
      const r = await api<DeliveryPage>('GET', `/api/dashboard/deliveries${query}`);
      expect(r.status).toBe(200);
      if (r.json.items.length >= n) return r.json;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`never listed ${n} deliveries for ${query}`);
  }

  beforeAll(async () => {
    dir = tempDir('wb-inbox-api-');
    const plugins = path.join(dir, 'plugins');
    mkdirSync(plugins);
    writeFileSync(path.join(plugins, 'signed.py'), SIGNED);
    const venvPython = makeVenv(dir);
    b = await startTestBridge({
      dir,
      configText: configYaml({
        interpreters: { system: { path: SYSTEM_PYTHON }, other: { path: venvPython } },
        active: 'system',
        pluginDirs: [path.join(RESOURCES, 'plugins'), FIXTURE_PLUGINS, plugins],
      }),
    });
    const push = await hook('echo', '{"action":"push-one"}', { 'x-github-event': 'push', 'x-github-delivery': 'gh-1', authorization: 'Bearer very-secret' });
    expect(push.status).toBe(200);
    expect((await hook('boom', '{"x":1}')).status).toBe(500);
    const body = '{"n":7}';
    const signed = await hook('signed', body, { 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` });
    expect(signed.status).toBe(200);
    expect((await hook('signed', '{"n":8}')).status).toBe(401);
    const all = await listed('', 4);
    for (const d of all.items) ids[d.plugin === 'signed' ? (d.status === 200 ? 'signed' : 'unsigned') : d.plugin] = d.id;
  }, 120_000);
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists newest first with filters and a cursor', async () => {
    const all = await listed('', 4);
    expect(all.items.map((d) => d.plugin)).toEqual(['signed', 'signed', 'boom', 'echo']);
    expect((await listed('?plugin=echo', 1)).items.map((d) => d.id)).toEqual([ids['echo']]);
    expect((await listed('?status=5xx', 1)).items.map((d) => d.plugin)).toEqual(['boom']);
    expect((await listed('?status=4xx', 1)).items.map((d) => d.id)).toEqual([ids['unsigned']]);
    expect((await listed('?provider=github&event=push', 1)).items.map((d) => d.id)).toEqual([ids['echo']]);
    expect((await listed('?q=push-one', 1)).items.map((d) => d.id)).toEqual([ids['echo']]);
    expect((await api<DeliveryPage>('GET', '/api/dashboard/deliveries?until=2000-01-01T00:00:00Z')).json.items).toEqual([]);
    const first = await api<DeliveryPage>('GET', '/api/dashboard/deliveries?limit=3');
    expect(first.json.items).toHaveLength(3);
    expect(first.json.next_cursor).not.toBeNull();
    const rest = await api<DeliveryPage>('GET', `/api/dashboard/deliveries?limit=3&cursor=${encodeURIComponent(first.json.next_cursor ?? '')}`);
    expect(rest.json.items.map((d) => d.plugin)).toEqual(['echo']);
    const bad = await api<{ error: { code: string; message: string } }>('GET', '/api/dashboard/deliveries?status=6xx');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/status/);
  });

  it('gives a whole delivery, redacted, with its verdict; 404 for an unknown id, 400 for a malformed one', async () => {
    const r = await api<Delivery>('GET', `/api/dashboard/deliveries/${ids['echo']}`);
    expect(r.status).toBe(200);
    expect(r.json.request.headers).toContainEqual(['authorization', '[redacted]']);
    expect(r.json.request.body).toMatchObject({ encoding: 'utf8', data: '{"action":"push-one"}' });
    expect(r.json.response?.status).toBe(200);
    expect(r.json.signature).toBe('not_checked');
    expect((await api<Delivery>('GET', `/api/dashboard/deliveries/${ids['signed']}`)).json.signature).toBe('verified');
    expect((await api('GET', `/api/dashboard/deliveries/${'0'.repeat(26)}`)).status).toBe(404);
    expect((await api('GET', '/api/dashboard/deliveries/not-an-id')).status).toBe(400);
  });

  it('exports curl, raw HTTP and a pytest file that passes under Debian python3', async () => {
    const curl = await api<DeliveryExport>('GET', `/api/dashboard/deliveries/${ids['echo']}/export?format=curl`);
    expect(curl.status).toBe(200);
    expect(curl.json.content).toContain(`curl ${b.url}/api/v1/webhook/echo`);
    expect(curl.json.notes.join(' ')).toMatch(/authorization was redacted/);
    const http = await api<DeliveryExport>('GET', `/api/dashboard/deliveries/${ids['echo']}/export?format=http`);
    expect(http.json.encoding).toBe('utf8');
    expect(http.json.content).toMatch(/^POST \/api\/v1\/webhook\/echo HTTP\/1\.1\r\n/);
    for (const plugin of ['echo', 'boom']) {
      const py = await api<DeliveryExport>('GET', `/api/dashboard/deliveries/${ids[plugin]}/export?format=pytest`);
      expect(py.status).toBe(200);
      const file = path.join(dir, py.json.filename);
      writeFileSync(file, py.json.content);
      const run = spawnSync(SYSTEM_PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', file], { cwd: dir, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '/usr/bin', PYTHONDONTWRITEBYTECODE: '1' } });
      expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    }
    expect((await api('GET', `/api/dashboard/deliveries/${ids['echo']}/export?format=zip`)).status).toBe(400);
  });

  it('replays into a new linked delivery, under another interpreter too', async () => {
    const r = await api<Delivery>('POST', `/api/dashboard/deliveries/${ids['echo']}/replay`, {});
    expect(r.status).toBe(201);
    expect(r.json.id).not.toBe(ids['echo']);
    expect(r.json).toMatchObject({ replay_of: ids['echo'], status: 200, plugin: 'echo', interpreter: 'system' });
    // the redacted header is left out of the replay; the rest arrives as recorded
    expect(r.json.request.headers.some(([n]) => n.toLowerCase() === 'authorization')).toBe(false);
    expect(JSON.parse(r.json.response?.body.data ?? '{}')).toMatchObject({ headers: { 'x-github-event': 'push' }, body: { action: 'push-one' } });
    const other = await api<Delivery>('POST', `/api/dashboard/deliveries/${ids['echo']}/replay`, { interpreter: 'other' });
    expect(other.status).toBe(201);
    expect(other.json).toMatchObject({ replay_of: ids['echo'], status: 200, interpreter: 'other' });
    expect(other.json.executor_pid).not.toBe(r.json.executor_pid);
    expect((await listed(`?replay_of=${ids['echo']}`, 2)).items.map((d) => d.id)).toEqual([other.json.id, r.json.id]);
    const missing = await api<{ error: { code: string } }>('POST', `/api/dashboard/deliveries/${ids['echo']}/replay`, { interpreter: 'nope' });
    expect(missing.status).toBe(404);
  });

  it("replays a verified delivery of a signed plugin without the sender's secret, and a refused one is refused again", async () => {
    const r = await api<Delivery>('POST', `/api/dashboard/deliveries/${ids['signed']}/replay`, {});
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ status: 200, signature: 'trusted_replay', replay_of: ids['signed'] });
    expect(r.json.logs.map((l) => l.message)).toContain('signed plugin ran for 7');
    const again = await api<Delivery>('POST', `/api/dashboard/deliveries/${ids['unsigned']}/replay`, {});
    expect(again.status).toBe(201);
    expect(again.json).toMatchObject({ status: 401, signature: 'rejected' });
    // into another plugin the original's verdict does not carry over
    const elsewhere = await api<Delivery>('POST', `/api/dashboard/deliveries/${ids['echo']}/replay`, { plugin: 'signed' });
    expect(elsewhere.json.status).toBe(401);
  });

  it("records the Plugins page's test request as a delivery and names it", async () => {
    const t = await api<{ status: number; delivery_id: string }>('POST', '/api/dashboard/plugins/echo/test', { method: 'POST', body: { from: 'test' } });
    expect(t.status).toBe(200);
    expect(t.json.delivery_id).toMatch(/^[0-9A-Z]{26}$/);
    const d = await listed(`?q=${encodeURIComponent('"from"')}`, 1);
    expect(d.items.map((x) => x.id)).toContain(t.json.delivery_id);
  });

  it('pushes each commit on the event stream', async () => {
    const res = await fetch(`${b.url}/api/dashboard/events`, { headers: { authorization: `Bearer ${b.token}` } });
    const reader = res.body!.getReader();
    await reader.read(); // ': connected'
    expect((await hook('echo', '{"live":true}')).status).toBe(200);
    let text = '';
    while (!/event: deliveryRecorded\ndata: .*"plugin":"echo"/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const data = /event: deliveryRecorded\ndata: (.*)\n/.exec(text)?.[1] ?? '{}';
    expect((JSON.parse(data) as { deliveries: unknown[] }).deliveries.length).toBeGreaterThan(0);
  });

  it('deletes what a filter selects', async () => {
    const r = await api<{ deleted: number }>('DELETE', '/api/dashboard/deliveries', { plugin: 'boom' });
    expect(r.status).toBe(200);
    expect(r.json.deleted).toBe(1);
    const left = await api<DeliveryPage>('GET', '/api/dashboard/deliveries?limit=500');
    expect(left.json.items.some((d) => d.plugin === 'boom')).toBe(false);
    expect(left.json.items.some((d) => d.plugin === 'echo')).toBe(true);
  });
});
