/**
 * Exports of a delivery, run for real: the curl command through dash and bash against a loopback
 * HTTP server (the bytes that arrive are the recorded ones), the raw HTTP request written to a socket,
 * and the pytest file run by Debian's `python3 -m pytest` against real plugins of both styles (it
 * passes with the recorded status and fails with another).
 */
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCurl, toPytest, toRawHttp, type ExportSource } from '../../electron/core/inbox/export.js';
import { pytestFileName } from '../../electron/core/inbox/export-pytest.js';
import { RESOURCES, ROOT, SYSTEM_PYTHON, tempDir } from '../helpers/executor.js';

interface Received {
  method: string;
  url: string;
  headers: string[];
  body: Buffer;
}

let server: http.Server;
let base = '';
let last: Received | null = null;
let dir = '';

beforeAll(async () => {
  dir = tempDir('wb-export-');
  server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      last = { method: req.method ?? '', url: req.url ?? '', headers: req.rawHeaders, body: Buffer.concat(parts) };
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fs.rm(dir, { recursive: true, force: true });
});

function source(over: Partial<ExportSource>): ExportSource {
  return {
    id: '01JD0000000000000000000000',
    receivedAt: '2026-11-30T12:00:00.000Z',
    plugin: 'echo',
    method: 'POST',
    path: '/api/v1/webhook/echo',
    query: '',
    headers: [['Content-Type', 'application/json']],
    contentType: 'application/json',
    body: Buffer.from('{"hello":"world"}'),
    status: 200,
    ...over,
  };
}

/** Runs the command in `shell` (asynchronously: the server answering it lives in this process). */
async function runShell(shell: string, command: string): Promise<Received> {
  last = null;
  const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    // from a script file: one `-c` argument could not hold a long command (Linux: 128 KiB per argument)
    const script = path.join(dir, 'command.sh');
    writeFileSync(script, `${command}\n`);
    const child = spawn(shell, [script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  expect(run.code, `${shell} -c ${command}\n${run.stderr}`).toBe(0);
  expect(last, 'the server got no request').not.toBeNull();
  return last as unknown as Received;
}

const header = (r: Received, name: string): string[] =>
  r.headers.flatMap((v, i) => (i % 2 === 1 && r.headers[i - 1]?.toLowerCase() === name.toLowerCase() ? [v] : []));

const BINARY = Buffer.from([0, 1, 2, 0x27, 0x25, 0x5c, 0x0d, 0x0a, 0xff, 0xfe, 0x80, 0x2d, 0x40, 0x22, 0x24, 0x60, 0x21, 0x7f]);
const BODIES: Array<[string, Buffer]> = [
  ['JSON', Buffer.from('{"hello":"world","quote":"it\'s","n":1}')],
  ['text with shell characters', Buffer.from("a 'b' \"c\" $HOME `id` !x \\ %s %% ünïcødé 🎉\n\ttab\n")],
  ['binary with NUL, CR, 0xff, quote, percent and backslash', BINARY],
  ['text starting with @ (curl would read a file)', Buffer.from('@/etc/passwd')],
  ['text starting with -', Buffer.from('-n -e x')],
  ['CRLF text', Buffer.from('a=1\r\nb=2\r\n')],
  ['40 KiB of mixed UTF-8 (several printf chunks)', Buffer.from('é€𝄞x'.repeat(4000))],
  ['100 KiB of random bytes', Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff))],
];

describe('curl export', () => {
  for (const [what, body] of BODIES) {
    for (const shell of ['/usr/bin/dash', '/usr/bin/bash']) {
      it(`sends the same bytes: ${what} (${path.basename(shell)})`, async () => {
        const src = source({ body, headers: [['Content-Type', 'application/octet-stream'], ['X-Quote', `it's "x" $y`]] });
        const got = await runShell(shell, toCurl(src, base));
        expect(got.method).toBe('POST');
        expect(got.url).toBe('/api/v1/webhook/echo');
        expect(got.body.equals(body)).toBe(true);
        expect(header(got, 'x-quote')).toEqual([`it's "x" $y`]);
        expect(header(got, 'content-type')).toEqual(['application/octet-stream']);
      });
    }
  }

  it('keeps the method, the query (brackets too), repeated headers, and adds no Content-Type of its own', async () => {
    const src = source({
      method: 'PUT',
      query: 'a=1&b[]=2&c={x}',
      headers: [['X-Multi', 'one'], ['X-Multi', 'two'], ['Host', 'example.org'], ['Content-Length', '999']],
      contentType: '',
      body: Buffer.from('raw'),
    });
    const got = await runShell('/usr/bin/dash', toCurl(src, `${base}/`));
    expect(got.method).toBe('PUT');
    expect(got.url).toBe('/api/v1/webhook/echo?a=1&b[]=2&c={x}');
    expect(header(got, 'x-multi')).toEqual(['one', 'two']);
    expect(header(got, 'content-type')).toEqual([]);
    expect(header(got, 'content-length')).toEqual(['3']);
    expect(got.body.toString()).toBe('raw');
  });

  it('sends a GET without a body as a plain GET, and a DELETE with -X', async () => {
    expect(toCurl(source({ method: 'GET', body: Buffer.alloc(0), headers: [] }), base)).toBe(`curl ${base}/api/v1/webhook/echo`);
    const got = await runShell('/usr/bin/dash', toCurl(source({ method: 'DELETE', body: Buffer.alloc(0), headers: [] }), base));
    expect(got.method).toBe('DELETE');
    expect(got.body.length).toBe(0);
  });

  it('quotes a header with a tab for bash ($\'…\') and it arrives unchanged', async () => {
    const command = toCurl(source({ headers: [['X-Tab', 'a\tb']] }), base);
    expect(command).toContain("$'X-Tab: a\\x09b'");
    expect(header(await runShell('/usr/bin/bash', command), 'x-tab')).toEqual(['a\tb']);
  });
});

describe('raw HTTP export', () => {
  it('is a request an HTTP server reads back as the recorded one', async () => {
    const src = source({ query: 'x=1', headers: [['Host', 'bridge.local'], ['X-Multi', 'a'], ['X-Multi', 'b'], ['Transfer-Encoding', 'chunked']], body: BINARY });
    const raw = toRawHttp(src, 'fallback:1');
    expect(raw.subarray(0, 80).toString('latin1')).toMatch(/^POST \/api\/v1\/webhook\/echo\?x=1 HTTP\/1\.1\r\nHost: bridge\.local\r\n/);
    const port = (server.address() as net.AddressInfo).port;
    last = null;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(raw));
      socket.on('data', () => socket.destroy());
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    const got = last as unknown as Received;
    expect(got.url).toBe('/api/v1/webhook/echo?x=1');
    expect(header(got, 'x-multi')).toEqual(['a', 'b']);
    expect(header(got, 'transfer-encoding')).toEqual([]);
    expect(got.body.equals(BINARY)).toBe(true);
  });

  it('adds the fallback Host when none was recorded', () => {
    const raw = toRawHttp(source({ method: 'GET', headers: [], body: Buffer.alloc(0) }), '127.0.0.1:8000').toString();
    expect(raw).toBe('GET /api/v1/webhook/echo HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n');
  });
});

describe('pytest export (Debian python3 -m pytest)', () => {
  const PY = path.join(RESOURCES, 'python');
  const runPytest = async (src: ExportSource, status: number, pluginFile: string): Promise<{ code: number | null; out: string }> => {
    const file = path.join(dir, pytestFileName(src));
    await fs.writeFile(file, toPytest(src, status, { pluginFile, bridgePython: PY }));
    const run = spawnSync(SYSTEM_PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', file], {
      cwd: dir, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' },
    });
    return { code: run.status, out: `${run.stdout}\n${run.stderr}` };
  };
  const CASES: Array<[string, string, Partial<ExportSource>, number]> = [
    ['request style (echo, JSON body)', path.join(RESOURCES, 'plugins', 'echo.py'), {}, 200],
    ['request style with a binary body and odd headers', path.join(RESOURCES, 'plugins', 'echo.py'), { id: 'bin-1', contentType: 'application/octet-stream', headers: [['Content-Type', 'application/octet-stream'], ['X-Q', 'it\'s "q" \\ \u2028']], body: BINARY }, 200],
    ['legacy style (webhook_bridge 4.0, self.data)', path.join(ROOT, 'test', 'fixtures', 'legacy-plugins', 'v4_github.py'), { plugin: 'v4_github', body: Buffer.from('{"repository":{"full_name":"o/r"},"sender":{"login":"me"}}') }, 200],
    ['a plugin that raises (500)', path.join(ROOT, 'test', 'fixtures', 'plugins', 'boom.py'), { plugin: 'boom' }, 500],
    ['a method the plugin lacks (405)', path.join(ROOT, 'test', 'fixtures', 'plugins', 'getonly.py'), { plugin: 'getonly' }, 405],
    ['a plugin that sets its status (201)', path.join(ROOT, 'test', 'fixtures', 'plugins', 'getonly.py'), { plugin: 'getonly', method: 'GET', query: 'kind=response', body: Buffer.alloc(0) }, 201],
  ];
  for (const [what, pluginFile, over, status] of CASES) {
    it(`passes with the recorded status, fails with another: ${what}`, async () => {
      const src = source(over);
      const pass = await runPytest(src, status, pluginFile);
      expect(pass.code, pass.out).toBe(0);
      expect(pass.out).toMatch(/1 passed/);
      const fail = await runPytest(src, status === 200 ? 202 : 200, pluginFile);
      expect(fail.code, fail.out).toBe(1);
      expect(fail.out).toMatch(/1 failed/);
    });
  }

  it('shows the plugin traceback when a raise was not the recorded outcome', async () => {
    const src = source({ plugin: 'boom' });
    const run = await runPytest(src, 200, path.join(ROOT, 'test', 'fixtures', 'plugins', 'boom.py'));
    expect(run.code).toBe(1);
    expect(run.out).toContain('the payload made me explode');
  });
});
