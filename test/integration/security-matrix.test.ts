/**
 * The local API's protection, route by route: DNS-rebinding (Host), cross-site (Origin, simple
 * CORS requests, preflights), token checks that cannot be bypassed by spelling the path another
 * way, no CORS grant, the token kept out of logs, answers, process arguments and the config, the
 * token file's mode, loopback-only listening.
 */
import http from 'node:http';
import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_PATH } from '../../shared/contract.js';
import { startBridge, type Bridge } from '../../electron/app.js';
import { REPO_ROOT, tempDir } from '../helpers/bridge.js';
import { contractRoutes, type ContractRoute } from '../helpers/contract-routes.js';
import { METRICS_PATH } from '../../electron/api/metrics.js';
import { killAllHeadless, startHeadless } from '../helpers/headless-process.js';
import { isErrorEnvelope, sendHttp, sendRaw, type RawResponse } from '../helpers/http-raw.js';
import { HAS_PROC, cmdline, environ, isLoopback, processTree, sha256File, socketInodes, tcpListeners } from '../helpers/procfs.js';

const CONFIG = `# security matrix
python:
  active_interpreter: sys
  interpreters:
    sys:
      name: "System"
      path: /usr/bin/python3
    other:
      name: "Other"
      path: /usr/bin/python3
logging:
  level: debug   # every request is logged: the token must still not show
`;

interface Seen {
  what: string;
  res: RawResponse;
  /** The request itself carried the token somewhere other than Authorization (its echo is not a leak). */
  echoesToken: boolean;
}

let bridge: Bridge;
let dir: string;
let configFile: string;
let port: number;
let token: string;
let agent: http.Agent;
const seen: Seen[] = [];
const logLines: string[] = [];
const routes: ContractRoute[] = contractRoutes();

async function req(
  what: string,
  o: { method: string; path: string; headers?: Record<string, string>; noHost?: boolean; body?: string | Buffer; auth?: boolean },
  echoesToken = false,
): Promise<RawResponse> {
  const headers = { ...(o.auth ? { authorization: `Bearer ${token}` } : {}), ...o.headers };
  const res = await sendHttp({ port, method: o.method, path: o.path, headers, ...(o.noHost ? { noHost: true } : {}), ...(o.body !== undefined ? { body: o.body } : {}), agent });
  seen.push({ what, res, echoesToken });
  return res;
}

async function raw(what: string, bytes: string): Promise<RawResponse> {
  const res = await sendRaw(port, bytes);
  seen.push({ what, res, echoesToken: bytes.includes(`/${token}`) });
  return res;
}

/** Every path a test may touch: the contract's, the OpenAPI document, the event stream, webhooks, unknown ones. */
function everyTarget(): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = routes.map((r) => ({ method: r.method, path: r.path }));
  out.push(
    { method: 'GET', path: '/api/openapi.json' },
    { method: 'GET', path: EVENTS_PATH },
    { method: 'GET', path: METRICS_PATH },
    { method: 'POST', path: '/api/v1/webhook/echo' },
    { method: 'GET', path: '/' },
    { method: 'GET', path: '/nope' },
    { method: 'GET', path: '/api/dashboard/nope' },
    { method: 'POST', path: '/api/dashboard/nope' },
    { method: 'PUT', path: '/api/dashboard/interpreters' },
  );
  const paths = [...new Set(out.map((t) => t.path))];
  for (const p of paths) out.push({ method: 'OPTIONS', path: p }, { method: 'HEAD', path: p });
  return out;
}

function expectEnvelope(res: RawResponse, status: number | number[], what: string): void {
  const statuses = Array.isArray(status) ? status : [status];
  expect(statuses, `${what}: got ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
  expect(res.headers['content-type'], what).toMatch(/^application\/json/);
  expect(isErrorEnvelope(res.json), `${what}: ${res.text.slice(0, 200)}`).toBe(true);
}

async function configUnchanged<T>(fn: () => Promise<T>): Promise<T> {
  const before = await sha256File(configFile);
  const filesBefore = readdirSync(dir).sort();
  const out = await fn();
  await bridge.core.config.checkDisk();
  expect(await sha256File(configFile), 'config bytes changed').toBe(before);
  expect(readdirSync(dir).sort(), 'backups or temp files appeared').toEqual(filesBefore);
  return out;
}

beforeAll(async () => {
  dir = tempDir('wb-sec-');
  configFile = path.join(dir, 'config.yaml');
  await fs.writeFile(configFile, CONFIG, { mode: 0o600 });
  const env: Record<string, string | undefined> = { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_STATE_HOME: path.join(dir, 'xdg-state'), XDG_DATA_HOME: path.join(dir, 'xdg-data') };
  delete env['WEBHOOK_BRIDGE_API_TOKEN'];
  // Default host (the config's server.host, itself the default 127.0.0.1), a free port, the rotating log file on.
  bridge = await startBridge({
    configFlag: configFile,
    port: 0,
    env,
    home: dir,
    fileLog: true,
    extraSinks: [{ write: (e) => logLines.push(e.message) }],
    resourcesDir: path.join(REPO_ROOT, 'resources'),
  });
  port = Number(new URL(bridge.url).port);
  token = bridge.token.token;
  agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
});

afterAll(async () => {
  agent?.destroy();
  await bridge?.stop();
  await killAllHeadless();
});

const BAD_HOSTS = (p: number): Array<[string, string | null]> => [
  ['evil.com', 'evil.com'],
  ['evil.com with port', `evil.com:${p}`],
  ['localhost6', `localhost6:${p}`],
  ['nip.io', `127.0.0.1.nip.io:${p}`],
  ['[::1] wrong port', `[::1]:${p === 1 ? 2 : 1}`],
  ['127.0.0.1 wrong port', `127.0.0.1:${p + 1}`],
  ['localhost wrong port', `localhost:${p + 1}`],
  ['no port', '127.0.0.1'],
  ['empty', ''],
  ['none', null],
  ['trailing dot', `localhost.:${p}`],
  ['trailing dot IP', `127.0.0.1.:${p}`],
  ['0.0.0.0', `0.0.0.0:${p}`],
  ['127.0.0.2', `127.0.0.2:${p}`],
  ['short IP', `127.1:${p}`],
  ['decimal IP', `2130706433:${p}`],
  ['mapped IPv6', `[::ffff:127.0.0.1]:${p}`],
  ['long IPv6', `[0:0:0:0:0:0:0:1]:${p}`],
  ['userinfo', `127.0.0.1:${p}@evil.com`],
  ['suffix', `localhost:${p}.evil.com`],
  ['two hosts', `127.0.0.1:${p}, evil.com`],
];

describe('Host (DNS rebinding)', () => {
  it('answers 403 to every bad Host on every route, method, OPTIONS and unknown path, with or without the token', async () => {
    const bodies = new Set<string>();
    let n = 0;
    await configUnchanged(async () => {
      for (const [label, host] of BAD_HOSTS(port)) {
        for (const t of everyTarget()) {
          for (const auth of [false, true]) {
            const headers: Record<string, string> = {};
            if (host !== null) headers['host'] = host;
            if (t.method !== 'GET' && t.method !== 'HEAD' && t.method !== 'OPTIONS') headers['content-type'] = 'application/json';
            const body = headers['content-type'] ? '{}' : undefined;
            const what = `${label}: ${t.method} ${t.path}${auth ? ' (token)' : ''}`;
            const res = await req(what, { method: t.method, path: t.path, headers, noHost: host === null, auth, ...(body ? { body } : {}) });
            n++;
            expect(res.status, what).toBe(403);
            if (t.method !== 'HEAD') {
              expectEnvelope(res, 403, what);
              bodies.add(res.text);
            }
          }
        }
      }
    });
    // One answer for every path: a 403 does not tell which routes exist.
    expect([...bodies]).toHaveLength(1);
    expect(JSON.parse([...bodies][0] as string)).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(n).toBeGreaterThan(500);
  }, 90_000); // every route × method × Host: the contract grows, and the machine may be loaded

  it('answers 403 to a bad Host before it looks at the URL, HTTP version or framing', async () => {
    const cases = [
      `GET /api/dashboard/interpreters/%zz HTTP/1.1\r\nHost: evil.com\r\nConnection: close\r\n\r\n`,
      `GET /api/v1/plugins/${'a'.repeat(300)} HTTP/1.1\r\nHost: evil.com\r\nConnection: close\r\n\r\n`,
      `GET /health HTTP/1.0\r\n\r\n`,
      `GET /health HTTP/1.0\r\nHost: evil.com\r\n\r\n`,
      `GET /health HTTP/1.1\r\nConnection: close\r\n\r\n`,
      `GET /health HTTP/1.1\r\nHost: evil.com\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
    ];
    for (const c of cases) expectEnvelope(await raw(c, c), 403, JSON.stringify(c));
  });

  it('accepts the loopback names with the right port, in any case', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`.toUpperCase()]) {
      const res = await req(`good host ${host}`, { method: 'GET', path: '/api/dashboard/interpreters', headers: { host }, auth: true });
      expect(res.status, host).toBe(200);
    }
  });
});

describe('Origin, simple requests and preflights (cross-site)', () => {
  const FOREIGN = (p: number): string[] => [
    'http://evil.com',
    'null',
    `http://127.0.0.1:${p + 1}`,
    `https://127.0.0.1:${p}`,
    `http://localhost.:${p}`,
    `http://127.0.0.1:${p}.evil.com`,
    `http://evil.com:${p}`,
    `http://0.0.0.0:${p}`,
    'file://',
    'chrome-extension://abcdefghijklmnop',
    `ws://127.0.0.1:${p}`,
    `http://127.0.0.1:${p}/`,
  ];

  it('answers 403 to a foreign Origin on every route, even with the token and a JSON body, and changes nothing', async () => {
    await configUnchanged(async () => {
      for (const origin of FOREIGN(port)) {
        for (const t of everyTarget()) {
          const json = t.method !== 'GET' && t.method !== 'HEAD' && t.method !== 'OPTIONS';
          const what = `Origin ${origin}: ${t.method} ${t.path}`;
          const res = await req(what, { method: t.method, path: t.path, headers: { origin, ...(json ? { 'content-type': 'application/json' } : {}) }, auth: true, ...(json ? { body: '{}' } : {}) });
          expect(res.status, what).toBe(403);
          if (t.method !== 'HEAD') expectEnvelope(res, 403, what);
        }
      }
    });
  }, 90_000);

  it('never lets a CORS preflight succeed, and grants no CORS headers', async () => {
    for (const origin of [...FOREIGN(port), `http://127.0.0.1:${port}`]) {
      for (const r of routes) {
        const what = `preflight ${origin} ${r.method} ${r.path}`;
        const res = await req(what, {
          method: 'OPTIONS',
          path: r.path,
          headers: { origin, 'access-control-request-method': r.method, 'access-control-request-headers': 'authorization, content-type' },
        });
        expect(res.status, what).toBeGreaterThanOrEqual(400);
        expect(res.headers['access-control-allow-methods'], what).toBeUndefined();
        expect(res.headers['access-control-allow-headers'], what).toBeUndefined();
        expect(res.headers['access-control-allow-origin'], what).toBeUndefined();
      }
    }
  });

  it('refuses text/plain, form and multipart bodies without the token (403/415/401) and changes nothing', async () => {
    const mutating = routes.filter((r) => r.mutating);
    expect(mutating.length).toBeGreaterThan(5);
    const bodies: Array<[string, string]> = [
      ['text/plain', '{"key":"evil","path":"/usr/bin/python3"}'],
      ['text/plain;charset=UTF-8', '{"name":"other"}'],
      ['application/x-www-form-urlencoded', 'key=evil&path=%2Fusr%2Fbin%2Fpython3'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="key"\r\n\r\nevil\r\n--x--\r\n'],
      ['application/jsonx', '{"key":"evil","path":"/usr/bin/python3"}'],
    ];
    await configUnchanged(async () => {
      for (const r of mutating) {
        for (const [type, body] of bodies) {
          for (const origin of [undefined, 'http://evil.com', 'null']) {
            for (const auth of [false, true]) {
              const what = `${type} ${origin ?? '(no origin)'} ${r.method} ${r.path}${auth ? ' (token)' : ''}`;
              const res = await req(what, { method: r.method, path: r.path, headers: { 'content-type': type, ...(origin ? { origin } : {}) }, body, auth });
              expectEnvelope(res, auth && !origin ? [415] : [401, 403, 415], what);
            }
          }
        }
        // A body without any content type is refused the same way.
        const res = await req(`no content type ${r.path}`, { method: r.method, path: r.path, body: '{"name":"other"}', auth: true });
        expectEnvelope(res, 415, `no content type ${r.method} ${r.path}`);
      }
    });
  });
});

describe('the token check', () => {
  it('gives the same 401 for known and unknown dashboard paths (nothing about what exists)', async () => {
    const targets = [...routes.filter((r) => r.auth).map((r) => ({ method: r.method, path: r.path })), { method: 'GET', path: '/api/dashboard/nope' }, { method: 'POST', path: '/api/dashboard/nope' }, { method: 'DELETE', path: '/api/dashboard/interpreters/no-such-one' }, { method: 'GET', path: EVENTS_PATH }, { method: 'GET', path: METRICS_PATH }];
    const answers = new Set<string>();
    for (const t of targets) {
      for (const authorization of [undefined, 'Bearer wrong', `Bearer ${token.slice(0, -1)}`, `Basic ${Buffer.from(`x:${token}`).toString('base64')}`, `bearer${token}`, 'Bearer ']) {
        const res = await req(`no/wrong token ${t.method} ${t.path}`, { method: t.method, path: t.path, headers: { ...(authorization !== undefined ? { authorization } : {}), ...(t.method === 'GET' ? {} : { 'content-type': 'application/json' }) }, ...(t.method === 'GET' ? {} : { body: '{}' }) });
        expect(res.status, `${t.method} ${t.path} ${authorization}`).toBe(401);
        answers.add(res.text);
      }
    }
    expect([...answers]).toHaveLength(1);
  });

  it('takes the Bearer scheme name in any case (RFC 9110), the token itself exactly', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      for (const authorization of [`${scheme} ${token}`, `${scheme}   ${token}`]) {
        const res = await req(`scheme ${JSON.stringify(authorization.replace(token, '<token>'))}`, { method: 'GET', path: '/api/dashboard/interpreters', headers: { authorization } });
        expect(res.status, authorization.replace(token, '<token>')).toBe(200);
      }
    }
    for (const authorization of [`bearer ${token.toUpperCase()}`, `bearer ${token}x`, `bearer${token}`, `bearer\t${token}`, `xbearer ${token}`, `Bearer: ${token}`, `Token ${token}`]) {
      const res = await req('scheme wrong', { method: 'GET', path: '/api/dashboard/interpreters', headers: { authorization } });
      expectEnvelope(res, 401, authorization.replace(token, '<token>'));
    }
  });

  it('cannot be bypassed by spelling a dashboard path another way', async () => {
    const spellings = [
      '/api/%64ashboard/interpreters',
      '/api/dashboard%2finterpreters',
      '/api/dashboard%2Finterpreters',
      '/%61pi/dashboard/interpreters',
      '/api/dashboard/%69nterpreters',
      '//api/dashboard/interpreters',
      '/api//dashboard/interpreters',
      '/api/dashboard/./interpreters',
      '/api/x/../dashboard/interpreters',
      '/api/dashboard/interpreters/',
      '/API/dashboard/interpreters',
      '/api/Dashboard/interpreters',
      '/api/dashboard;x/interpreters',
      '/api/dashboard/interpreters;x',
      '/api/dashboard/interpreters?',
      '/api/dashboard/interpreters%3f',
      '/api/dashboard/interpreters%23',
      '/api/dashboard\\interpreters',
      '/api/dashboard/%2e/interpreters',
      '/api/%2564ashboard/interpreters',
      '/api/%64ashboard/config',
      '/api/%64ashboard/logs',
      '/api/%64ashboard/connection',
    ];
    for (const p of spellings) {
      const res = await req(`bypass GET ${p}`, { method: 'GET', path: p });
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(res.status, p).toBeLessThan(500);
      expectEnvelope(res, [400, 401, 404], p);
    }
    // Absolute-form targets name an authority of their own: refused outright.
    for (const target of [`http://127.0.0.1:${port}/api/dashboard/interpreters`, `http://evil.com/api/dashboard/interpreters`, '*']) {
      const res = await raw(`absolute ${target}`, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
      expectEnvelope(res, [400, 401, 403, 404], target);
    }
    // Mutations through another spelling change nothing.
    await configUnchanged(async () => {
      for (const p of ['/api/%64ashboard/interpreters/other/activate', '/api/dashboard%2finterpreters/other/activate', '/api/%64ashboard/interpreters']) {
        for (const method of ['POST', 'DELETE']) {
          const res = await req(`bypass ${method} ${p}`, { method, path: p, headers: { 'content-type': 'application/json' }, body: '{"key":"evil","path":"/usr/bin/python3"}' });
          expectEnvelope(res, [400, 401, 404], `${method} ${p}`);
        }
      }
      const del = await req('bypass DELETE', { method: 'DELETE', path: '/api/%64ashboard/interpreters/other' });
      expectEnvelope(del, [401, 404], 'DELETE /api/%64ashboard/interpreters/other');
    });
  });
});

describe('the event stream', () => {
  it('refuses a foreign Origin, a missing or wrong token, and a token in the query string', async () => {
    const origins = ['http://evil.com', 'null', `http://127.0.0.1:${port + 1}`];
    for (const origin of origins) expectEnvelope(await req(`events ${origin}`, { method: 'GET', path: EVENTS_PATH, headers: { origin, accept: 'text/event-stream' }, auth: true }), 403, origin);
    expectEnvelope(await req('events no token', { method: 'GET', path: EVENTS_PATH, headers: { accept: 'text/event-stream' } }), 401, 'no token');
    expectEnvelope(await req('events wrong token', { method: 'GET', path: EVENTS_PATH, headers: { authorization: 'Bearer nope' } }), 401, 'wrong token');
    expectEnvelope(await req('events query token', { method: 'GET', path: `${EVENTS_PATH}?token=${token}` }, true), 401, 'query token');
    expectEnvelope(await req('events other spelling', { method: 'GET', path: '/api/%64ashboard/events' }), 401, 'encoded path');
    expectEnvelope(await req('events foreign host', { method: 'GET', path: EVENTS_PATH, headers: { host: `localhost6:${port}` }, auth: true }), 403, 'foreign host');
  });

  it('streams to a same-origin caller with the token, without a CORS grant', async () => {
    const text = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; first: string }>((resolve, reject) => {
      const r = http.get({ host: '127.0.0.1', port, path: EVENTS_PATH, headers: { authorization: `Bearer ${token}`, origin: `http://127.0.0.1:${port}` } }, (res) => {
        res.once('data', (d: Buffer) => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, first: d.toString() });
          r.destroy();
        });
      });
      r.on('error', reject);
      r.setTimeout(5000, () => r.destroy(new Error('no event stream within 5 s')));
    });
    expect(text.status).toBe(200);
    expect(text.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(text.headers['access-control-allow-origin']).toBeUndefined();
    expect(text.first).not.toContain(token);
    // HEAD gets the headers and an end, not an endless stream nobody reads.
    const head = await raw('events HEAD', `HEAD ${EVENTS_PATH} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^text\/event-stream/);
  });
});

describe('the token stays secret', () => {
  it('is not in logs (buffer, live sink, rotating file) even when a request carries it outside Authorization', async () => {
    // Requests that put the token where a careless logger would print it.
    await req('token in path', { method: 'GET', path: `/api/nothing/${token}` }, true);
    await req('token in dashboard path', { method: 'GET', path: `/api/dashboard/interpreters/${token}`, auth: true }, true);
    await req('token in query', { method: 'GET', path: `/api/dashboard/logs?token=${token}`, auth: true }, true);
    await req('token in header', { method: 'GET', path: '/api/dashboard/config', headers: { 'x-api-token': token } });
    await req('token as wrong bearer', { method: 'GET', path: '/api/dashboard/config', headers: { authorization: `Bearer ${token}x` } });
    await configUnchanged(() => req('token in body', { method: 'POST', path: '/api/dashboard/interpreters', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'leak', path: `/nonexistent/${token}` }), auth: true }, true));
    await configUnchanged(() => req('token in bad name', { method: 'POST', path: `/api/dashboard/interpreters/${token}x!/activate`, auth: true }, true));

    const buffered = bridge.core.logs.read(0, 5000).entries;
    expect(buffered.length).toBeGreaterThan(10);
    expect(logLines.length).toBeGreaterThan(100); // debug logging saw every request
    for (const line of [...buffered.map((e) => e.message), ...logLines]) expect(line).not.toContain(token);
    expect(logLines.some((l) => l.includes('[redacted]'))).toBe(true);
    // The rotating file (electron-log writes asynchronously: give it a moment).
    await new Promise((r) => setTimeout(r, 300));
    const logDir = bridge.paths.logDir;
    const files = readdirSync(logDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = await fs.readFile(path.join(logDir, f), 'utf8');
      expect(text.length).toBeGreaterThan(0);
      expect(text, f).not.toContain(token);
    }
    // The logs API and the config view do not show it either.
    for (const p of ['/api/dashboard/logs?limit=5000', '/api/dashboard/config', '/api/dashboard/interpreters', '/api/dashboard/connection', '/health', '/api/openapi.json']) {
      const res = await req(`read ${p}`, { method: 'GET', path: p, auth: true });
      expect(res.status, p).toBeLessThan(500);
      expect(res.text, p).not.toContain(token);
    }
  });

  it('is in no response body of this whole suite (except the echo of a request that carried it)', () => {
    expect(seen.length).toBeGreaterThan(1000);
    for (const s of seen) if (!s.echoesToken) expect(s.res.text, s.what).not.toContain(token);
  });

  it('is in no config file or backup, and its own file is 0600', async () => {
    for (const f of readdirSync(dir)) {
      const p = path.join(dir, f);
      if (!(await fs.stat(p)).isFile() || f === 'api-token') continue;
      expect(await fs.readFile(p, 'utf8'), f).not.toContain(token);
    }
    const tokenFile = bridge.paths.tokenFile;
    expect(path.dirname(tokenFile)).toBe(dir);
    expect((await fs.stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect((await fs.readFile(tokenFile, 'utf8')).trim()).toBe(token);
  });

  it.skipIf(!HAS_PROC)('is in no process argument of headless mode (npm run serve) or its children, nor in the executor environment', async () => {
    const home = tempDir('wb-sec-args-');
    const cfg = path.join(home, 'config.yaml');
    await fs.writeFile(cfg, CONFIG.replace('level: debug', 'level: info'), { mode: 0o600 });
    const envToken = `env-token-${'x'.repeat(20)}-${Date.now()}`;
    for (const [how, env] of [['token file', {}], ['WEBHOOK_BRIDGE_API_TOKEN', { WEBHOOK_BRIDGE_API_TOKEN: envToken }]] as const) {
      const h = await startHeadless({ configFile: cfg, home, viaNpm: true, env: { ...env }, readyTimeoutMs: 120_000 }); // serve builds a missing dashboard first
      try {
        const secret = how === 'token file' ? (await fs.readFile(path.join(home, 'api-token'), 'utf8')).trim() : envToken;
        // Wait for the executor to be up, so it is among the children.
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline) {
          const r = await sendHttp({ port: h.port, method: 'GET', path: '/health' });
          if ((r.json as { executor?: { serving?: boolean } }).executor?.serving) break;
          await new Promise((res) => setTimeout(res, 200));
        }
        const tree = processTree(h.pid);
        expect(tree.length).toBeGreaterThan(1);
        const args = tree.map((pid) => ({ pid, argv: cmdline(pid), env: environ(pid) }));
        for (const a of args) expect(a.argv.join(' '), `${how}: argv of ${a.pid}`).not.toContain(secret);
        // Processes the app started itself (the executor…) must not inherit the API token: they are
        // the descendants of the innermost process running electron/headless.ts (npm, sh and tsx's
        // launcher are above it).
        const apps = args.filter((a) => a.argv.some((x) => x.endsWith(path.join('electron', 'headless.ts'))));
        const app = apps.at(-1);
        expect(app, 'the headless process').toBeDefined();
        const spawnedByApp = args.filter((a) => processTree(app?.pid ?? -1).slice(1).includes(a.pid));
        expect(spawnedByApp.some((a) => a.argv.join(' ').includes('python')), `an executor among ${JSON.stringify(args.map((a) => a.argv))}`).toBe(true);
        for (const a of spawnedByApp) {
          expect(Object.values(a.env).join('\n'), `${how}: environment of ${a.argv.join(' ')}`).not.toContain(secret);
          expect(a.env['WEBHOOK_BRIDGE_API_TOKEN'], `${how}: ${a.argv.join(' ')}`).toBeUndefined();
        }
        const cfgText = await fs.readFile(cfg, 'utf8');
        expect(cfgText).not.toContain(secret);
        // The console log (stderr) never shows it; stdout shows it once, by design, in the dashboard
        // link's fragment (Jupyter-style: the fragment is not sent to the server) — only with the token file.
        expect(h.stderr()).not.toContain(secret);
        const stdoutLines = h.stdout().split('\n').filter((l) => l.includes(secret));
        if (how === 'WEBHOOK_BRIDGE_API_TOKEN') expect(stdoutLines).toEqual([]);
        else for (const l of stdoutLines) expect(l).toMatch(/^Dashboard: http:\/\/127\.0\.0\.1:\d+\/#token=/);
      } finally {
        await h.kill();
      }
    }
  }, 60_000);
});

describe('loopback only', () => {
  it('binds the default host to 127.0.0.1 and nothing else', () => {
    const addr = bridge.server.server.address();
    expect(typeof addr === 'object' && addr !== null ? addr.address : addr).toBe('127.0.0.1');
    if (!HAS_PROC) return;
    const mine = tcpListeners().filter((l) => l.port === port);
    expect(mine.length).toBeGreaterThan(0);
    for (const l of mine) expect(l.address, JSON.stringify(l)).toBe('127.0.0.1');
    // Every listening socket this process holds is on loopback (the executor uses a Unix socket or loopback TCP).
    const inodes = socketInodes(process.pid);
    for (const l of tcpListeners().filter((t) => inodes.has(t.inode))) expect(isLoopback(l.address), JSON.stringify(l)).toBe(true);
  });

  it.skipIf(!HAS_PROC)('headless mode and its executor listen on loopback only', async () => {
    const home = tempDir('wb-sec-net-');
    const cfg = path.join(home, 'config.yaml');
    await fs.writeFile(cfg, CONFIG.replace('level: debug', 'level: info'), { mode: 0o600 });
    const h = await startHeadless({ configFile: cfg, home });
    try {
      expect(h.url).toBe(`http://127.0.0.1:${h.port}`);
      const inodes = new Set<string>();
      for (const pid of processTree(h.pid)) for (const i of socketInodes(pid)) inodes.add(i);
      const listeners = tcpListeners().filter((l) => inodes.has(l.inode));
      expect(listeners.map((l) => l.port)).toContain(h.port);
      for (const l of listeners) expect(isLoopback(l.address), JSON.stringify(l)).toBe(true);
    } finally {
      await h.kill();
    }
  }, 40_000);
});

describe('trust in files others can write (issue 12: B4, B8, B9)', () => {
  const start = (home: string, env: Record<string, string> = {}): Promise<Bridge> => {
    const e: Record<string, string | undefined> = { ...process.env, HOME: home, XDG_STATE_HOME: path.join(home, 'state'), XDG_DATA_HOME: path.join(home, 'data'), ...env };
    if (!env['WEBHOOK_BRIDGE_API_TOKEN']) delete e['WEBHOOK_BRIDGE_API_TOKEN'];
    return startBridge({ configFlag: path.join(home, 'config.yaml'), port: 0, env: e, home, fileLog: false, resourcesDir: path.join(REPO_ROOT, 'resources') });
  };
  const PLANTED = CONFIG.replace('path: /usr/bin/python3\n    other', 'path: /tmp/planted-by-mallory.sh\n    other');

  it('B4: a config in a folder others can write is not used: degraded start, the fix in GET config, no edit, the planted path never runs', async () => {
    const home = tempDir('wb-sec-trust-');
    await fs.writeFile(path.join(home, 'config.yaml'), PLANTED, { mode: 0o600 });
    await fs.chmod(home, 0o777);
    const b = await start(home, { WEBHOOK_BRIDGE_API_TOKEN: 'trust-test-Zq3vR8kT1w9yLm4pX7cN2b' });
    try {
      const p = Number(new URL(b.url).port);
      const auth = { authorization: 'Bearer trust-test-Zq3vR8kT1w9yLm4pX7cN2b' };
      const health = await sendHttp({ port: p, method: 'GET', path: '/health' });
      expect(health.json).toMatchObject({ status: 'degraded', config_valid: false });
      const view = (await sendHttp({ port: p, method: 'GET', path: '/api/dashboard/config', headers: auth })).json as { valid: boolean; errors: Array<{ message: string }> };
      expect(view.valid).toBe(false);
      expect(view.errors[0]?.message).toContain(`${home} is writable by group and others (mode 0777)`);
      expect(view.errors[0]?.message).toContain(`chmod go-w ${home}`);
      const patch = await sendHttp({ port: p, method: 'PATCH', path: '/api/dashboard/config', headers: { ...auth, 'content-type': 'application/json' }, body: '{"logging_level":"info"}' });
      expect(patch.status).toBe(409);
      expect(b.core.config.settings.python.interpreters['sys']).toBeUndefined(); // the file's interpreters are not used
      expect(JSON.stringify(b.core.config.settings)).not.toContain('planted-by-mallory');
    } finally {
      await b.stop();
    }
  });

  it.skipIf(process.getuid?.() !== 0)('B4: a config file another user created first (sticky /tmp) is refused', async () => {
    const home = tempDir('wb-sec-trust-');
    await fs.chmod(home, 0o1777);
    await fs.writeFile(path.join(home, 'config.yaml'), PLANTED, { mode: 0o644 });
    await fs.chown(path.join(home, 'config.yaml'), 65534, 65534);
    const b = await start(home, { WEBHOOK_BRIDGE_API_TOKEN: 'trust-test-Zq3vR8kT1w9yLm4pX7cN2b' });
    try {
      expect(b.core.config.valid).toBe(false);
      expect(b.core.config.view.errors[0]?.message).toMatch(/owned by another user \(uid 65534\)/);
      expect(JSON.stringify(b.core.config.settings)).not.toContain('planted-by-mallory');
    } finally {
      await b.stop();
    }
  });

  it('B8: a planted api-token symlink or another user\'s token file stops the start with a clear message', async () => {
    const home = tempDir('wb-sec-token-');
    await fs.writeFile(path.join(home, 'config.yaml'), CONFIG, { mode: 0o600 });
    const mallory = path.join(home, 'mallory-token');
    await fs.writeFile(mallory, `${'m'.repeat(43)}\n`, { mode: 0o644 });
    await fs.symlink(mallory, path.join(home, 'api-token'));
    await expect(start(home)).rejects.toThrow(/api-token is a symbolic link; the API token file must be a regular file: remove it/);
    expect((await fs.stat(mallory)).mode & 0o777).toBe(0o644); // not chmod-ed through the link
    await fs.rm(path.join(home, 'api-token'));
    if (process.getuid?.() === 0) {
      await fs.writeFile(path.join(home, 'api-token'), `${'m'.repeat(43)}\n`, { mode: 0o644 });
      await fs.chown(path.join(home, 'api-token'), 65534, 65534);
      await expect(start(home)).rejects.toThrow(/owned by another user \(uid 65534\).*chown 0 /);
      expect((await fs.stat(path.join(home, 'api-token'))).mode & 0o777).toBe(0o644);
    }
  });

  it('B8: headless mode exits 1 with the message, not a bare EPERM', async () => {
    const home = tempDir('wb-sec-token-');
    await fs.writeFile(path.join(home, 'config.yaml'), CONFIG, { mode: 0o600 });
    await fs.writeFile(path.join(home, 'api-token'), `${'m'.repeat(43)}\n`);
    await fs.chmod(path.join(home, 'api-token'), 0o666);
    const err = await startHeadless({ configFile: path.join(home, 'config.yaml'), home }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/exited \(1\) before it was ready/);
    expect((err as Error).message).toMatch(/webhook-bridge: the API token file is not used: .*api-token is writable by group and others \(mode 0666\).*chmod go-w /);
  }, 40_000);

  it('B9: an environment token with spaces, non-ASCII or one repeated character stops the start', async () => {
    const home = tempDir('wb-sec-env-');
    await fs.writeFile(path.join(home, 'config.yaml'), CONFIG, { mode: 0o600 });
    await expect(start(home, { WEBHOOK_BRIDGE_API_TOKEN: ' Zq3vR8kT1w9yLm4pX7cN2b ' })).rejects.toThrow(/spaces or line breaks around it/);
    await expect(start(home, { WEBHOOK_BRIDGE_API_TOKEN: 'Zq3vR8kT1w9yLm4pX7cN2bü' })).rejects.toThrow(/printable ASCII/);
    await expect(start(home, { WEBHOOK_BRIDGE_API_TOKEN: 'z'.repeat(48) })).rejects.toThrow(/too easy to guess/);
    await expect(start(home, { WEBHOOK_BRIDGE_API_TOKEN: 'short' })).rejects.toThrow(/at least 16 characters/);
  });
});

describe('every answer of this suite', () => {
  it('carried no Access-Control-Allow-Origin (nor any CORS grant)', () => {
    expect(seen.length).toBeGreaterThan(1000);
    for (const s of seen) {
      expect(s.res.headers['access-control-allow-origin'], s.what).toBeUndefined();
      expect(s.res.headers['access-control-allow-credentials'], s.what).toBeUndefined();
    }
    console.log(`security matrix: ${seen.length} requests checked`);
  });
});
