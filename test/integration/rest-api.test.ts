import { promises as fs } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';

const CONFIG = `# my bridge
python:
  active_interpreter: sys   # the one in use
  interpreters:
    sys:
      name: "System"
      path: /usr/bin/python3
server: { host: "127.0.0.1", port: 8000 }
`;

/** A raw request, so the Host header and body bytes can be anything. */
function raw(url: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, setHost: !(opts.headers && 'host' in opts.headers) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

describe('REST API over real HTTP', () => {
  let b: TestBridge;
  let port: string;
  beforeAll(async () => {
    b = await startTestBridge({ configText: CONFIG });
    port = new URL(b.url).port;
  });
  afterAll(() => b.stop());

  it('lists interpreters with the active one', async () => {
    const r = await b.request('GET', '/api/dashboard/interpreters');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ active: 'sys', interpreters: [{ key: 'sys', name: 'System', active: true }] });
  });

  it('adds (201), activates, refuses removing the active one (409), removes (200)', async () => {
    const add = await b.request('POST', '/api/dashboard/interpreters', { body: { key: 'uv-python', name: 'UV Python Environment', path: '/usr/bin/python3' } });
    expect(add.status).toBe(201);
    expect(await b.request('POST', '/api/dashboard/interpreters', { body: { key: 'uv-python', path: '/usr/bin/python3' } })).toMatchObject({ status: 409 });
    const act = await b.request('POST', '/api/dashboard/interpreters/uv-python/activate');
    expect(act.status).toBe(200);
    expect(act.json).toMatchObject({ active: 'uv-python', previous: 'sys' });
    const refused = await b.request('DELETE', '/api/dashboard/interpreters/uv-python');
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringContaining('active interpreter') } });
    await b.request('POST', '/api/dashboard/interpreters/sys/activate');
    expect((await b.request('DELETE', '/api/dashboard/interpreters/uv-python')).status).toBe(200);
    const text = await fs.readFile(b.configFile, 'utf8');
    expect(text).toContain('# my bridge');
    expect(text).toMatch(/active_interpreter: "?sys"? +# the one in use/);
  });

  it('answers 400 naming the field', async () => {
    const r = await b.request('POST', '/api/dashboard/interpreters', { body: { key: '../x', path: 5 } });
    expect(r.status).toBe(400);
    const err = (r.json as { error: { code: string; message: string; details: { fields: { field: string }[] } } }).error;
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.details.fields.map((f) => f.field).sort()).toEqual(['key', 'path']);
    const missing = await b.request('POST', '/api/dashboard/interpreters', { body: { key: 'ok' } });
    expect(missing.json).toMatchObject({ error: { message: 'path: is required' } });
    const unknown = await b.request('POST', '/api/dashboard/interpreters', { body: { key: 'ok', path: '/usr/bin/python3', colour: 1 } });
    expect(unknown.json).toMatchObject({ error: { message: '(root): unknown field(s): colour' } });
    const dir = await b.request('POST', '/api/dashboard/interpreters', { body: { key: 'ok', path: '/usr' } });
    expect(dir.json).toEqual({ error: { code: 'INVALID_INPUT', message: 'path: /usr is a directory, not a Python executable', details: { fields: [{ field: 'path', message: '/usr is a directory, not a Python executable' }] } } });
    const badJson = await b.request('POST', '/api/dashboard/interpreters', { body: '{"key":', headers: { 'content-type': 'application/json' } });
    expect(badJson.status).toBe(400);
    const badName = await b.request('DELETE', '/api/dashboard/interpreters/a%20b');
    expect(badName.json).toMatchObject({ error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^name: does not match/) } });
    const dots = await b.request('DELETE', '/api/dashboard/interpreters/%2e%2e');
    expect([400, 404]).toContain(dots.status);
    expect(dots.json).toMatchObject({ error: { code: expect.any(String) } });
  });

  it('answers 404 for an unknown interpreter and any unknown /api path, as JSON', async () => {
    const r = await b.request('POST', '/api/dashboard/interpreters/nope/activate');
    expect(r).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND' } } });
    const u = await b.request('GET', '/api/nothing/here');
    expect(u.status).toBe(404);
    expect(u.headers.get('content-type')).toMatch(/application\/json/);
    expect(u.json).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('answers 413 over 1 MiB and 415 for a mutating request whose body is not JSON', async () => {
    const big = await b.request('POST', '/api/dashboard/interpreters', { body: JSON.stringify({ key: 'x', path: 'a'.repeat(1024 * 1024 + 10) }), headers: { 'content-type': 'application/json' } });
    expect(big).toMatchObject({ status: 413, json: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    const text = await b.request('POST', '/api/dashboard/interpreters', { body: 'key=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(text).toMatchObject({ status: 415, json: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
    const plain = await b.request('POST', '/api/dashboard/interpreters/sys/activate', { body: '{}', headers: { 'content-type': 'text/plain' } });
    expect(plain.status).toBe(415);
  });

  it('answers 401 without the token, and 403 for a foreign Host or Origin before routing', async () => {
    expect(await b.request('GET', '/api/dashboard/interpreters', { auth: false })).toMatchObject({ status: 401, json: { error: { code: 'UNAUTHORIZED' } } });
    expect((await b.request('GET', '/api/dashboard/interpreters', { auth: false, headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    for (const host of ['evil.com', `localhost6:${port}`, `127.0.0.1.nip.io:${port}`, '127.0.0.1:1']) {
      const r = await raw(b.url, { path: '/health', headers: { host } });
      expect(r.status, host).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'FORBIDDEN' } });
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) expect((await raw(b.url, { path: '/health', headers: { host } })).status).toBe(200);
    const origin = await b.request('GET', '/api/dashboard/interpreters', { headers: { origin: 'http://evil.com' } });
    expect(origin.status).toBe(403);
    for (const site of ['cross-site', 'same-site']) {
      // a browser's no-cors GET (an <img> aimed at a webhook) has no Origin but says it is cross-site
      const r = await b.request('GET', '/api/v1/webhook/echo', { auth: false, headers: { 'sec-fetch-site': site } });
      expect(r.status, site).toBe(403);
    }
    expect((await b.request('GET', '/health', { auth: false, headers: { 'sec-fetch-site': 'same-origin' } })).status).not.toBe(403);
    const same = await b.request('GET', '/api/dashboard/interpreters', { headers: { origin: `http://127.0.0.1:${port}` } });
    expect(same.status).toBe(200);
    expect(same.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves /health without a token and the OpenAPI document derived from the contract', async () => {
    const h = await b.request('GET', '/health', { auth: false });
    expect(h.json).toMatchObject({ config_valid: true, version: expect.any(String) });
    const o = await b.request('GET', '/api/openapi.json', { auth: false });
    const doc = o.json as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/dashboard/interpreters/{name}/activate']?.['post']?.operationId).toBe('activateInterpreter');
    expect(doc.paths['/api/dashboard/interpreters']?.['get']?.operationId).toBe('listInterpreters');
  });

  it('reports effective config values with their sources and never shows the token', async () => {
    const r = await b.request('GET', '/api/dashboard/config');
    expect(r.status).toBe(200);
    const view = r.json as { values: { key: string; source: string }[]; path: string };
    expect(view.values.find((v) => v.key === 'server.port')?.source).toBe('file');
    expect(view.values.find((v) => v.key === 'logging.level')?.source).toBe('default');
    expect(r.text).not.toContain(b.token);
    const logs = await b.request('GET', '/api/dashboard/logs?limit=5000');
    expect(logs.status).toBe(200);
    expect(logs.text).not.toContain(b.token);
    expect(await fs.readFile(b.configFile, 'utf8')).not.toContain(b.token);
    expect((await fs.stat(`${b.dir}/api-token`)).mode & 0o777).toBe(0o600);
  });

  it('answers 409 to writes while the file on disk is invalid, and leaves it untouched', async () => {
    const good = await fs.readFile(b.configFile, 'utf8');
    const broken = `${good}\n  bad: [\n`;
    await fs.writeFile(b.configFile, broken);
    await b.bridge.core.config.checkDisk();
    const r = await b.request('POST', '/api/dashboard/interpreters', { body: { key: 'y', path: '/usr/bin/python3' } });
    expect(r).toMatchObject({ status: 409, json: { error: { code: 'CONFIG_INVALID' } } });
    expect((await b.request('GET', '/api/dashboard/interpreters')).status).toBe(200);
    expect(await fs.readFile(b.configFile, 'utf8')).toBe(broken);
    await fs.writeFile(b.configFile, good);
    await b.bridge.core.config.checkDisk();
    expect((await b.request('GET', '/api/dashboard/config')).json).toMatchObject({ valid: true });
  });
});
