/**
 * Plugins written for webhook_bridge 0.6–4.0 (`from webhook_bridge.plugin import BasePlugin`) run
 * unchanged: real HTTP → the bridge → gRPC → a real executor under Debian's python3 and under a venv,
 * with test/fixtures/legacy-plugins (a folder mixing both plugin styles).
 */
import { promises as fs, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { configYaml, makeVenv, ROOT, SYSTEM_PYTHON, tempDir } from '../helpers/executor.js';

const LEGACY_PLUGINS = path.join(ROOT, 'test', 'fixtures', 'legacy-plugins');
const ALL = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

interface Envelope {
  plugin: string;
  method: string;
  status_code: number;
  message: string;
  execution_time: number;
  timestamp: string;
  data: Record<string, unknown>;
  error?: string;
  request_id: string;
}

function envelopeOf(r: { json: unknown }): Envelope {
  const e = r.json as Envelope;
  expect(Object.keys(e).sort()).toEqual(
    ['data', 'execution_time', 'message', 'method', 'plugin', 'request_id', 'status_code', 'timestamp', ...(e.error !== undefined ? ['error'] : [])].sort(),
  );
  expect(typeof e.execution_time).toBe('number');
  expect(Number.isNaN(Date.parse(e.timestamp))).toBe(false);
  return e;
}

for (const interpreter of ['system', 'venv'] as const) {
  describe(`webhook_bridge 0.6–4.0 plugins under ${interpreter === 'system' ? "Debian's python3" : 'a venv'}`, () => {
    let b: TestBridge;
    let dir = '';
    const post = (name: string, body: unknown) => b.request('POST', `/api/v1/webhook/${name}`, { body, auth: false });

    beforeAll(async () => {
      dir = tempDir('wbx-legacy-');
      const python = interpreter === 'system' ? SYSTEM_PYTHON : makeVenv(dir);
      b = await startTestBridge({ configText: configYaml({ interpreters: { py: { path: python } }, active: 'py', pluginDirs: [LEGACY_PLUGINS] }) });
    });
    afterAll(async () => {
      await b?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('0.6 run() override with its own constructor: self.data, self.http_method, self.logger', async () => {
      const r = await post('v06_run', { a: { b: [1, { c: 2 }] } });
      expect(r.status).toBe(200);
      const e = envelopeOf(r);
      expect(e).toMatchObject({ plugin: 'v06_run', method: 'POST', status_code: 200, message: 'success', request_id: expect.stringMatching(/\S/) });
      // a 0.6–3.x plugin: data is upstream's execute() wrapper (executor-legacy-generations.test.ts)
      expect(e.data['result']).toEqual({ greeting: 'hi', method: 'POST', data: { a: { b: [1, { c: 2 }] } }, logger: 'Logger' });
      const g = await b.request('GET', '/api/v1/webhook/v06_run?x=1&x=2&y=', { auth: false });
      expect(envelopeOf(g).data['result']).toMatchObject({ method: 'GET', data: { x: '1', y: '' } });
    });

    it('2.x method handlers, get_data/set_result/get_result, query for GET and DELETE', async () => {
      const g = await b.request('GET', '/api/v1/webhook/v2_rest?id=42', { auth: false });
      expect(envelopeOf(g).data).toEqual({ handler: 'get', id: '42', missing: 'dflt' });
      const p = await post('v2_rest', { order: { id: 7, items: [{ sku: 'a' }] } });
      expect(envelopeOf(p).data).toEqual({ handler: 'post', data: { order: { id: 7, items: [{ sku: 'a' }] } }, copy_is_separate: true });
      const put = await b.request('PUT', '/api/v1/webhook/v2_rest', { body: { id: 'p1' }, auth: false });
      expect(envelopeOf(put).data).toEqual({ handler: 'put', id: 'p1' });
      const del = await b.request('DELETE', '/api/v1/webhook/v2_rest?id=d1', { auth: false });
      expect(envelopeOf(del).data).toEqual({ handler: 'delete', id: 'd1' });
      // PATCH has no handler of its own: handle() (every method is accepted because handle is overridden)
      const patch = await b.request('PATCH', '/api/v1/webhook/v2_rest', { body: { z: 1 }, auth: false });
      expect(envelopeOf(patch).data).toEqual({ handler: 'handle', method: 'PATCH', data: { z: 1 } });
    });

    it('a form body is parsed into a dict; an empty body gives the query', async () => {
      const form = await b.request('PATCH', '/api/v1/webhook/v2_rest?q=ignored', { body: 'a=1&b=two&a=3&blank=', auth: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(envelopeOf(form).data).toEqual({ handler: 'handle', method: 'PATCH', data: { a: '1', b: 'two', blank: '' } });
      const empty = await b.request('PATCH', '/api/v1/webhook/v2_rest?q=1', { auth: false });
      expect(envelopeOf(empty).data).toEqual({ handler: 'handle', method: 'PATCH', data: { q: '1' } });
      const emptyJson = await b.request('PATCH', '/api/v1/webhook/v2_rest?q=2', { body: '', auth: false, headers: { 'content-type': 'application/json' } });
      expect(envelopeOf(emptyJson).data).toMatchObject({ data: { q: '2' } });
    });

    it('4.0 dotted keys reach nested objects (get, [], in, lists); nested values stay nested', async () => {
      const payload = { repository: { full_name: 'o/r', owner: { login: 'o' } }, sender: { login: 'me' }, commits: [{ id: 'c1' }], 'a.b': 'literal' };
      const r = await post('v4_github', payload);
      expect(r.status).toBe(200);
      expect(envelopeOf(r).data).toEqual({
        repository: 'o/r', sender: 'me', first_commit: 'c1', bracket: 'me', has_owner: true, has_missing: false, literal: 'literal',
        nested_kept: { full_name: 'o/r', owner: { login: 'o' } },
      });
      const patch = await b.request('PATCH', '/api/v1/webhook/v4_github', { body: { k: [1] }, auth: false });
      expect(envelopeOf(patch).data).toEqual({ handler: 'patch', data: { k: [1] } });
    });

    it('4.0 constructor form, handle()-only and non-dict results ({"result": value})', async () => {
      const r = await b.request('PUT', '/api/v1/webhook/v4_init', { body: {}, auth: false });
      expect(envelopeOf(r).data).toEqual({ seen: 'PUT', method: 'PUT', logger: true });
      const h = await b.request('DELETE', '/api/v1/webhook/v3_handle', { auth: false });
      expect(envelopeOf(h).data).toEqual({ result: 'handled DELETE' });
      const list = await b.request('GET', '/api/v1/webhook/v3_raises', { auth: false });
      expect(envelopeOf(list).data).toEqual({ result: [1, 2, 3] });
    });

    it('an execute() override is what the host calls; a class not named Plugin loads as in 0.6–3.x', async () => {
      const r = await post('v3_execute', {});
      expect(envelopeOf(r).data).toEqual({ wrapped: { inner: true }, status: 'success', http_method: 'POST' });
      const s = await post('v3_named', { project_name: 'web', level: 'error' });
      expect(envelopeOf(s).data['result']).toEqual({ project: 'web', level: 'error' });
    });

    it('a plugin that raises gets a real 500 with the envelope and the exception text', async () => {
      const r = await post('v3_raises', { order: 9 });
      expect(r.status).toBe(500);
      const e = envelopeOf(r);
      expect(e).toMatchObject({ plugin: 'v3_raises', method: 'POST', status_code: 500, error: 'cannot process order 9', request_id: expect.stringMatching(/\S/), data: null });
      expect(r.text).not.toMatch(/Traceback/);
    });

    it('methods a plugin does not handle answer 405 with a non-empty Allow', async () => {
      const r = await b.request('GET', '/api/v1/webhook/v4_github', { auth: false });
      expect(r.status).toBe(405);
      expect(r.headers.get('allow')).toBe('POST, PATCH');
      for (const name of ['v06_run', 'v3_handle']) {
        for (const method of ALL) {
          const m = await b.request(method, `/api/v1/webhook/${name}`, { auth: false });
          expect(m.status, `${method} ${name}`).toBe(200);
        }
      }
    });

    it('request-style plugins in the same folder keep their own answers', async () => {
      const r = await post('today', { x: { y: 1 } });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ style: 'request', body: { x: { y: 1 } } });
    });

    it('lists legacy plugins with their methods and says why the broken ones cannot run', async () => {
      const list = await b.request('GET', '/api/v1/plugins', { auth: false });
      type Info = { name: string; methods: string[]; available: boolean; error: string; description: string; style: string | null; missing: unknown };
      const byName = Object.fromEntries((list.json as { plugins: Info[] }).plugins.map((p) => [p.name, p]));
      expect(byName['v06_run']).toMatchObject({ available: true, methods: ALL, description: '0.6-style: overrides run() and its own three-argument constructor.' });
      expect(byName['v3_handle']).toMatchObject({ available: true, methods: ALL });
      expect(byName['v2_rest']).toMatchObject({ available: true, methods: ALL });
      expect(byName['v4_github']).toMatchObject({ available: true, methods: ['POST', 'PATCH'], description: 'GitHub push summary, 4.0 style.' });
      expect(byName['v3_named']).toMatchObject({ available: true, methods: ['POST'] });
      expect(byName['today']).toMatchObject({ available: true, methods: ['POST'], style: 'request', missing: null });
      expect(byName['v2_rest']).toMatchObject({ style: 'legacy', missing: null });
      expect(byName['bad_signature']).toMatchObject({ available: false, methods: [] });
      expect(byName['bad_signature']?.error).toMatch(/Plugin\.post\(self\) \(bad_signature\.py, line 5\) cannot be called as post\(self, request\).*webhook_bridge\.plugin\.BasePlugin/);
      expect(byName['bad_legacy_signature']?.error).toMatch(/Plugin\.post\(self, request\) \(bad_legacy_signature\.py, line 5\) cannot be called as post\(self\)/);
      expect(byName['neither']?.error).toMatch(/class Plugin\(object\) \(neither\.py, line 1\) matches neither plugin style: expected .*webhook_bridge\.BasePlugin.*webhook_bridge\.plugin\.BasePlugin/);
      expect(byName['no_handlers']?.error).toMatch(/class Plugin \(no_handlers\.py, line 4\) defines none of get, post, put, delete, patch or handle/);
      const missing = byName['missing_dep'];
      expect(missing).toMatchObject({ available: false, style: null, missing: { module: 'wbx_fixture_absent_module', package: 'wbx_fixture_absent_module' } });
      expect(missing?.error).toMatch(/No module named 'wbx_fixture_absent_module' \(missing_dep\.py, line 4\); the active interpreter \S+python3\S* \(Python 3\.\d+\.\d+\) does not have it/);
      const info = await b.request('GET', '/api/v1/plugins/v2_rest', { auth: false });
      expect(info.json).toMatchObject({ name: 'v2_rest', available: true, methods: ALL, source: path.join(LEGACY_PLUGINS, 'v2_rest.py') });
    });

    it('hot reload: an edited legacy plugin answers with its new code (within the reload interval)', async () => {
      const pdir = path.join(dir, 'hot');
      await fs.mkdir(pdir);
      const file = path.join(pdir, 'hotlegacy.py');
      const write = (word: string, extra = '') => fs.writeFile(file, `from webhook_bridge.plugin import BasePlugin\n\nclass Plugin(BasePlugin):\n    def post(self):\n        return {"word": "${word}"${extra}}\n`);
      await write('one');
      const cfg = configYaml({ interpreters: { py: { path: interpreter === 'system' ? SYSTEM_PYTHON : path.join(dir, 'venv', 'bin', 'python3') } }, active: 'py', pluginDirs: [pdir, LEGACY_PLUGINS] });
      const hot = await startTestBridge({ configText: cfg });
      try {
        const first = await hot.request('POST', '/api/v1/webhook/hotlegacy', { body: {}, auth: false });
        expect(envelopeOf(first).data).toEqual({ word: 'one' });
        await write('two', ', "n": self.get_data("n")');
        // the executor looks at a plugin's file at most once per --reload-interval (1 s)
        await expect.poll(async () => envelopeOf(await hot.request('POST', '/api/v1/webhook/hotlegacy', { body: { n: 5 }, auth: false })).data, { timeout: 10_000 }).toEqual({ word: 'two', n: 5 });
      } finally {
        await hot.stop();
      }
    });
  });
}

describe('legacy_envelope: false', () => {
  let b: TestBridge;
  beforeAll(async () => {
    const cfg = JSON.parse(configYaml({ interpreters: { py: { path: SYSTEM_PYTHON } }, active: 'py', pluginDirs: [LEGACY_PLUGINS] })) as { plugins: Record<string, unknown> };
    cfg.plugins['legacy_envelope'] = false;
    b = await startTestBridge({ configText: JSON.stringify(cfg) });
  });
  afterAll(async () => {
    await b?.stop();
  });

  it('answers the plugin result itself as JSON, and a raising plugin with a plain 500', async () => {
    const r = await b.request('POST', '/api/v1/webhook/v4_github', { body: { repository: { full_name: 'o/r' }, sender: { login: 's' } }, auth: false });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.json).toMatchObject({ repository: 'o/r', sender: 's', nested_kept: { full_name: 'o/r' } });
    const h = await b.request('GET', '/api/v1/webhook/v3_handle', { auth: false });
    expect(h.json).toEqual({ result: 'handled GET' });
    const e = await b.request('POST', '/api/v1/webhook/v3_raises', { body: { order: 3 }, auth: false });
    expect(e.status).toBe(500);
    expect(e.json).toEqual({ error: { code: 'INTERNAL', message: "plugin 'v3_raises' raised ValueError (details in the executor log)" } });
    const today = await b.request('POST', '/api/v1/webhook/today', { body: { a: 1 }, auth: false });
    expect(today.json).toEqual({ style: 'request', body: { a: 1 } });
  });

  it('the dashboard turns the envelope back on: written to the file, the executor restarts with it', async () => {
    const pidBefore = b.bridge.core.executor?.status().pid;
    const patch = await b.request('PATCH', '/api/dashboard/config', { body: { legacy_envelope: true } });
    expect(patch.status).toBe(200);
    expect(await fs.readFile(b.configFile, 'utf8')).toMatch(/"legacy_envelope": true/);
    const deadline = Date.now() + 20_000;
    let r = await b.request('GET', '/api/v1/webhook/v3_handle', { auth: false });
    while ((r.json as { result?: unknown }).result !== undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      r = await b.request('GET', '/api/v1/webhook/v3_handle', { auth: false });
    }
    expect(envelopeOf(r).data).toEqual({ result: 'handled GET' });
    expect(b.bridge.core.executor?.status().pid).not.toBe(pidBefore);
  });
});

describe('a webhook_bridge config (python.interpreter only, no plugins section)', () => {
  let b: TestBridge;
  let dir = '';
  beforeAll(async () => {
    dir = tempDir('wbx-upstream-');
    const plugin = (word: string) => `from webhook_bridge.plugin import BasePlugin\n\nclass Plugin(BasePlugin):\n    def handle(self):\n        return {"from": "${word}"}\n`;
    for (const folder of ['plugins', 'example_plugins', 'webhook_plugins']) {
      await fs.mkdir(path.join(dir, folder));
      await fs.writeFile(path.join(dir, folder, `in_${folder}.py`), plugin(folder));
    }
    await fs.writeFile(path.join(dir, 'config.yaml'), `python:\n  interpreter: "${SYSTEM_PYTHON}"\n`);
    b = await startTestBridge({ dir });
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uses upstream's plugins/, example_plugins/ and webhook_plugins/ beside the config file, and says so once", async () => {
    for (const folder of ['plugins', 'example_plugins', 'webhook_plugins']) {
      const r = await b.request('GET', `/api/v1/webhook/in_${folder}`, { auth: false });
      expect(r.status, folder).toBe(200);
      expect(envelopeOf(r).data).toEqual({ from: folder });
    }
    const lines = b.bridge.core.logs.read(0, 5000).entries.filter((e) => e.message.includes('webhook_bridge-style config'));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toContain(path.join(dir, 'webhook_plugins'));
  });
});
