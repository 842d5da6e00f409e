/**
 * Webhooks over the streamed data path, end to end: real HTTP → the bridge → ExecuteStream → the
 * real Python executor. Many concurrent webhooks, an HTTP client that goes away (the plugin sees
 * the cancellation, recorded by a plugin that writes what ran), the per-call deadline, kill -9 in
 * the middle of calls, and an executor run with --no-stream (an older one) reached by unary calls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { configYaml, FIXTURE_PLUGINS, pidAlive, RESOURCES, SYSTEM_PYTHON, tempDir, waitUntil } from '../helpers/executor.js';

const RECORDER = `"""Test plugin: writes <dir>/<tag>.started, waits ?seconds (default 20) or until request.cancelled,
then writes <tag>.cancelled or <tag>.finished."""
import os
import time

from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
    def handle(self, request):
        d, tag = request.arg("dir"), request.arg("tag")
        open(os.path.join(d, tag + ".started"), "w").close()
        end = time.monotonic() + float(request.arg("seconds", "20"))
        while not request.cancelled and time.monotonic() < end:
            time.sleep(0.01)
        open(os.path.join(d, tag + (".cancelled" if request.cancelled else ".finished")), "w").close()
        return {"tag": tag}
`;

const logsText = async (b: TestBridge): Promise<string> => (await b.request('GET', '/api/dashboard/logs?limit=5000')).text;

describe('webhooks over streams (real executor)', () => {
  let b: TestBridge;
  let dir = '';
  let rec = '';
  let tags = 0;
  const recorderUrl = (seconds: number): { url: string; file: (what: string) => string } => {
    const tag = `t${++tags}`;
    return { url: `/api/v1/webhook/recorder?dir=${encodeURIComponent(rec)}&tag=${tag}&seconds=${seconds}`, file: (what) => path.join(rec, `${tag}.${what}`) };
  };

  beforeAll(async () => {
    dir = tempDir('wbx-streams-');
    const plugins = path.join(dir, 'plugins');
    rec = path.join(dir, 'records');
    mkdirSync(plugins);
    mkdirSync(rec);
    writeFileSync(path.join(plugins, 'recorder.py'), RECORDER);
    b = await startTestBridge({
      configText: configYaml({ interpreters: { system: { path: SYSTEM_PYTHON } }, active: 'system', executor: { timeout: 3 }, pluginDirs: [FIXTURE_PLUGINS, plugins] }),
    });
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates streams and answers many concurrent webhooks, each with its own answer', async () => {
    expect(await logsText(b)).toContain('webhooks over streams');
    const answers = await Promise.all(Array.from({ length: 96 }, (_, n) => b.request('POST', '/api/v1/webhook/echo', { body: { n }, auth: false })));
    answers.forEach((r, n) => {
      expect(r.status).toBe(200);
      expect((r.json as { body: { n: number } }).body.n).toBe(n);
    });
  });

  it('an HTTP client that goes away cancels its call: the plugin sees request.cancelled', async () => {
    const call = recorderUrl(20);
    const req = http.request(`${b.url}${call.url}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end('{}');
    await waitUntil(() => existsSync(call.file('started')), 10_000, 'the plugin started');
    req.destroy();
    await waitUntil(() => existsSync(call.file('cancelled')) || existsSync(call.file('finished')), 15_000, 'the plugin ended');
    expect(existsSync(call.file('cancelled'))).toBe(true);
  });

  it('a call past its time limit answers 504 while others keep flowing', async () => {
    const slow = b.request('GET', '/api/v1/webhook/sleepy?seconds=30', { auth: false });
    const quick = await b.request('POST', '/api/v1/webhook/echo', { body: {}, auth: false });
    expect(quick.status).toBe(200);
    const r = await slow;
    expect(r.status).toBe(504);
    expect(r.json).toMatchObject({ error: { code: 'TIMEOUT' } });
  });

  it('kill -9 mid-call: the calls in flight answer 503 saying why, later calls succeed on a new executor', async () => {
    const pid = b.bridge.core.executor.status().pid;
    expect(pid).toBeGreaterThan(0);
    const calls = Array.from({ length: 6 }, () => recorderUrl(2.5));
    const pending = calls.map((c) => b.request('POST', c.url, { body: {}, auth: false }));
    await waitUntil(() => calls.every((c) => existsSync(c.file('started'))), 10_000, 'the calls started');
    process.kill(pid ?? 0, 'SIGKILL');
    for (const r of await Promise.all(pending)) {
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect((r.json as { error: { message: string } }).error.message).toMatch(/executor/);
    }
    await waitUntil(() => !pidAlive(pid ?? 0), 10_000, 'the old executor gone');
    const after = await Promise.all(Array.from({ length: 16 }, (_, n) => b.request('POST', '/api/v1/webhook/echo', { body: { n }, auth: false })));
    for (const r of after) expect(r.status).toBe(200);
    expect(b.bridge.core.executor.status().pid).not.toBe(pid);
  });
});

describe('an executor without ExecuteStream (--no-stream, external mode)', () => {
  let b: TestBridge;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const token = 'no-stream-token-0123456789';
    child = spawn(SYSTEM_PYTHON, [path.join(RESOURCES, 'python', 'webhook_bridge_executor'), '--no-stream', '--port', String(port), '--plugin-dir', path.join(RESOURCES, 'plugins')], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', WEBHOOK_BRIDGE_EXECUTOR_TOKEN: token },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stderr?.resume();
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).on('line', (line) => line.startsWith('WEBHOOK_BRIDGE_EXECUTOR_READY') && resolve());
      child!.once('exit', (code) => reject(new Error(`external executor exited with ${code}`)));
    });
    b = await startTestBridge({
      configText: configYaml({ interpreters: { system: { path: SYSTEM_PYTHON } }, active: 'system', executor: { mode: 'external', host: '127.0.0.1', port } }),
      env: { WEBHOOK_BRIDGE_EXECUTOR_TOKEN: token },
    });
    await waitUntil(() => b.bridge.core.executor.status().state === 'connected', 10_000, 'connected to the external executor');
  });
  afterAll(async () => {
    await b?.stop();
    child?.kill('SIGKILL');
  });

  it('falls back to one unary call per webhook', async () => {
    expect(await logsText(b)).toContain('webhooks over unary calls');
    const answers = await Promise.all(Array.from({ length: 32 }, (_, n) => b.request('POST', '/api/v1/webhook/echo', { body: { n }, auth: false })));
    answers.forEach((r, n) => {
      expect(r.status).toBe(200);
      expect((r.json as { body: { n: number } }).body.n).toBe(n);
    });
  });
});
