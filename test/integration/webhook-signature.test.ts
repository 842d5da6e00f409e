/**
 * Webhook authenticity end to end (headless bridge → real executor): a plugin with a secret runs only
 * for requests with a valid `X-Hub-Signature-256` (GitHub's scheme); everything else gets the app's
 * 401 envelope and the plugin's code never runs. Bodies over the 1 MiB limit never reach the
 * executor. Each test plugin appends its name to a marker file when (and only when) it runs.
 */
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { configYaml, SYSTEM_PYTHON, tempDir } from '../helpers/executor.js';
import { isErrorEnvelope, sendRaw } from '../helpers/http-raw.js';

const SECRET = "It's a Secret to Everybody"; // GitHub's documented example secret
const ENV_SECRET = 'env-secret-7f3a';
const LIMIT = 1024 * 1024;

const sign = (body: Buffer | string, secret = SECRET, algo: 'sha256' | 'sha1' = 'sha256'): string => `${algo}=${createHmac(algo, secret).update(body).digest('hex')}`;

function markerPlugin(marker: string, attrs: string, methods = 'handle'): string {
  return `from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
${attrs}

    def ${methods}(self, request):
        with open(${JSON.stringify(marker)}, "a") as f:
            f.write(self.name + "\\n")
        return {"ran": self.name, "body": request.body}
`;
}

describe('signed webhooks (X-Hub-Signature-256)', () => {
  let b: TestBridge;
  let dir: string;
  let marker: string;

  /** Names of the plugins that ran so far. */
  const ran = (): string[] => (existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').filter(Boolean) : []);
  const executorCalls = (): number => b.bridge.core.executor?.status().requests.total ?? -1;

  async function hook(plugin: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST'): Promise<Awaited<ReturnType<TestBridge['request']>>> {
    return b.request(method, `/api/v1/webhook/${plugin}`, { ...(method === 'GET' ? {} : { body }), auth: false, headers: { 'content-type': 'application/json', ...headers } });
  }

  /** 401 with the app's error envelope, and the plugin did not run. */
  async function expectRefused(plugin: string, body: string | Buffer, headers: Record<string, string>, message: RegExp, method = 'POST'): Promise<void> {
    const before = ran().length;
    const r = await hook(plugin, body, headers, method);
    const what = `${plugin} ${JSON.stringify(headers)}`;
    expect(r.status, what).toBe(401);
    expect(r.headers.get('content-type'), what).toMatch(/^application\/json/);
    expect(isErrorEnvelope(r.json), `${what}: ${r.text}`).toBe(true);
    expect(r.json, what).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.stringMatching(message) } });
    expect(r.text, what).not.toContain(SECRET);
    expect(ran().length, `${what}: the plugin ran`).toBe(before);
  }

  beforeAll(async () => {
    dir = tempDir('wb-sig-');
    const plugins = path.join(dir, 'plugins');
    mkdirSync(plugins);
    marker = path.join(dir, 'ran.txt');
    writeFileSync(path.join(plugins, 'signed.py'), markerPlugin(marker, `    secret = ${JSON.stringify(SECRET)}`, 'post'));
    writeFileSync(path.join(plugins, 'envsigned.py'), markerPlugin(marker, '    secret_env = "WB_TEST_WEBHOOK_SECRET"'));
    writeFileSync(path.join(plugins, 'unsetenv.py'), markerPlugin(marker, '    secret_env = "WB_TEST_VARIABLE_NOBODY_SETS"'));
    writeFileSync(path.join(plugins, 'badsecret.py'), markerPlugin(marker, '    secret = 12345'));
    writeFileSync(path.join(plugins, 'open.py'), markerPlugin(marker, '    description = "no secret"'));
    b = await startTestBridge({
      dir,
      configText: configYaml({
        interpreters: { system: { path: SYSTEM_PYTHON, environment: { WB_TEST_WEBHOOK_SECRET: ENV_SECRET } } },
        active: 'system',
        pluginDirs: [plugins],
      }),
    });
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the plugin for a valid signature of the raw body (GitHub’s own test vector too)', async () => {
    const body = JSON.stringify({ action: 'opened', n: [1, { deep: true }] });
    const r = await hook('signed', body, { 'x-hub-signature-256': sign(body) });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ran: 'signed', body: JSON.parse(body) });
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const vector = await hook('signed', 'Hello, World!', { 'content-type': 'text/plain', 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' });
    expect(vector.status).toBe(200);
    expect(vector.json).toEqual({ ran: 'signed', body: 'Hello, World!' });
    // the digest is hex: upper-case digits are the same digest
    const upper = await hook('signed', body, { 'x-hub-signature-256': `sha256=${sign(body).slice(7).toUpperCase()}` });
    expect(upper.status).toBe(200);
    // bytes as received: the signature covers the raw body, not a re-encoding of the parsed JSON
    const spaced = '{ "a" :  1 }';
    expect((await hook('signed', spaced, { 'x-hub-signature-256': sign(spaced) })).status).toBe(200);
    expect((await hook('signed', spaced, { 'x-hub-signature-256': sign('{"a":1}') })).status).toBe(401);
    expect(ran()).toEqual(['signed', 'signed', 'signed', 'signed']);
  });

  it('answers 401 to a wrong, missing or malformed signature and never runs the plugin', async () => {
    const body = '{"ref":"refs/heads/main"}';
    const good = sign(body);
    const hex = good.slice('sha256='.length);
    const before = ran();
    const calls = executorCalls();
    await expectRefused('signed', body, {}, /^missing X-Hub-Signature-256 header/);
    await expectRefused('signed', body, { 'x-hub-signature-256': sign(body, 'another secret') }, /does not match the request body/);
    await expectRefused('signed', body, { 'x-hub-signature-256': sign('{"ref":"refs/heads/evil"}') }, /does not match the request body/);
    await expectRefused('signed', `${body} `, { 'x-hub-signature-256': good }, /does not match the request body/);
    await expectRefused('signed', body, { 'x-hub-signature-256': `sha256=${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}` }, /does not match/);
    const malformed = [
      sign(body, SECRET, 'sha1'), // GitHub's legacy X-Hub-Signature scheme
      `sha1=${hex}`,
      hex, // no prefix
      `SHA256=${hex}`,
      `sha256:${hex}`,
      `sha256=${'z'.repeat(64)}`, // not hex
      `sha256=${hex.slice(0, 63)}`, // one digit short
      `sha256=${hex}0`, // one digit too many
      `sha256=${hex}${hex}`,
      `sha256= ${hex}`,
      'sha256=',
      '',
      `sha256=${hex}, ${good}`,
    ];
    for (const value of malformed) await expectRefused('signed', body, { 'x-hub-signature-256': value }, /^malformed X-Hub-Signature-256 header/);
    // the right signature in the wrong header is no signature
    await expectRefused('signed', body, { 'x-hub-signature': good }, /^missing/);
    // checked before the method (no 405 telling what the plugin accepts) and before the body is parsed (no 400)
    await expectRefused('signed', '', {}, /^missing/, 'GET');
    await expectRefused('signed', '{"broken": ', { 'x-hub-signature-256': good }, /does not match/);
    expect(ran()).toEqual(before);
    expect(executorCalls() - calls).toBe(malformed.length + 8); // they did reach the executor: it is the one that knows the secret
  });

  it('takes the secret from the environment with secret_env, and fails closed when it is not set', async () => {
    const body = '{"x":1}';
    const ok = await hook('envsigned', body, { 'x-hub-signature-256': sign(body, ENV_SECRET) });
    expect([ok.status, ok.json]).toEqual([200, { ran: 'envsigned', body: { x: 1 } }]);
    await expectRefused('envsigned', body, { 'x-hub-signature-256': sign(body) }, /does not match/);
    await expectRefused('envsigned', body, {}, /^missing/, 'PUT');
    const before = ran();
    const unset = await hook('unsetenv', body, { 'x-hub-signature-256': sign(body, '') });
    expect(unset.status).toBe(500);
    expect(unset.json).toEqual({ error: { code: 'INTERNAL', message: expect.stringMatching(/unavailable: secret_env: the environment variable WB_TEST_VARIABLE_NOBODY_SETS is not set/) } });
    const bad = await hook('badsecret', body, {});
    expect(bad.status).toBe(500);
    expect(bad.json).toEqual({ error: { code: 'INTERNAL', message: expect.stringMatching(/secret must be a str or bytes, not int/) } });
    expect(ran()).toEqual(before);
  });

  it('checks nothing for a plugin without a secret', async () => {
    const body = '{"y":2}';
    const plain = await hook('open', body);
    expect([plain.status, plain.json]).toEqual([200, { ran: 'open', body: { y: 2 } }]);
    const junk = await hook('open', body, { 'x-hub-signature-256': 'sha1=whatever' });
    expect(junk.status).toBe(200);
  });

  it('reports which plugins want a signature, never the secret', async () => {
    const list = await b.request('GET', '/api/v1/plugins', { auth: false });
    const byName = Object.fromEntries((list.json as { plugins: Array<{ name: string; has_secret: boolean; available: boolean }> }).plugins.map((p) => [p.name, p]));
    expect(byName).toMatchObject({
      signed: { has_secret: true, available: true },
      envsigned: { has_secret: true, available: true },
      unsetenv: { has_secret: true, available: false },
      open: { has_secret: false, available: true },
    });
    expect(list.text).not.toContain(SECRET);
    expect(list.text).not.toContain(ENV_SECRET);
    const logs = await b.request('GET', '/api/dashboard/logs?limit=5000');
    expect(logs.status).toBe(200);
    expect(logs.text).toMatch(/plugin 'signed': refused POST/);
    expect(logs.text).not.toContain(ENV_SECRET);
    expect(logs.text).not.toContain(SECRET);
  });

  it('answers 413 to a body over 1 MiB before it reaches the executor, signed or not', async () => {
    const before = ran();
    const calls = executorCalls();
    const big = Buffer.alloc(LIMIT + 1, 0x20);
    for (const plugin of ['open', 'signed']) {
      const r = await hook(plugin, big, { 'content-type': 'text/plain', 'x-hub-signature-256': sign(big) });
      expect(r.status, plugin).toBe(413);
      expect(r.json, plugin).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    }
    // chunked, so the size is only known while reading
    const port = Number(new URL(b.url).port);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const chunks = Array.from({ length: 17 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    const head = `POST /api/v1/webhook/open HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const chunked = await sendRaw(port, Buffer.concat([Buffer.from(head), ...chunks, Buffer.from('0\r\n\r\n')]));
    expect(chunked.status).toBe(413);
    expect(isErrorEnvelope(chunked.json)).toBe(true);
    expect(ran()).toEqual(before);
    expect(executorCalls()).toBe(calls);
    // exactly the limit is fine, and its signature is checked over all of it
    const full = Buffer.alloc(LIMIT, 0x20);
    const atLimit = await hook('signed', full, { 'content-type': 'text/plain', 'x-hub-signature-256': sign(full) });
    expect(atLimit.status).toBe(200);
    expect(ran()).toEqual([...before, 'signed']);
    expect(executorCalls()).toBe(calls + 1);
  });
});
