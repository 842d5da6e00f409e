/**
 * SIGKILL of headless mode (a real process, bundled for a quick start): nothing is left to stop the
 * executor, which must notice on its own (its stdin closes) and be gone within 2 s, also with
 * webhooks in flight and with a plugin call that would run for 30 s. Its private socket folder must
 * not be left behind in TMPDIR either.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concurrentTraffic, executorProcesses, procInfo, processRunning, sleep, waitFor, webhookClient } from '../helpers/chaos.js';
import { REPO_ROOT } from '../helpers/bridge.js';
import { bundleHeadless, killAllHeadless, startHeadless } from '../helpers/headless-process.js';
import { privateTmpDir, removePrivateTmpDir, report, socketDirsIn, SYSTEM_PYTHON } from './support.js';

const TOKEN = 'chaos-app-kill-token-0123456789abcdef';
const GONE_WITHIN_MS = 2_000;
let bundle = '';
let root = '';

beforeAll(async () => {
  root = mkdtempSync(path.join(privateTmpDir(), 'app-'));
  bundle = await bundleHeadless();
});
afterAll(async () => {
  await killAllHeadless();
  rmSync(root, { recursive: true, force: true });
  removePrivateTmpDir();
});

type Load = 'idle' | 'webhooks in flight (c=16)' | 'a 30 s plugin call in flight';

async function killAppOnce(load: Load): Promise<{ goneMs: number; sent: number; socketDirsLeft: string[] }> {
  const home = mkdtempSync(path.join(root, 'home-'));
  const tmp = path.join(home, 'tmp');
  const plugins = path.join(home, 'plugins');
  mkdirSync(tmp);
  mkdirSync(plugins);
  copyFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'plugins', 'sleepy.py'), path.join(plugins, 'sleepy.py'));
  const configFile = path.join(home, 'config.yaml');
  writeFileSync(configFile, JSON.stringify({ python: { interpreters: { system: { path: SYSTEM_PYTHON } }, active_interpreter: 'system' }, plugins: { dirs: [plugins] }, logging: { level: 'warn' } }));
  const app = await startHeadless({ configFile, home, bundle, env: { WEBHOOK_BRIDGE_API_TOKEN: TOKEN, TMPDIR: tmp }, args: ['--quiet'] });
  const conn = (await (await fetch(`${app.url}/api/dashboard/connection`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { state: string; pid: number; address: string };
  expect(conn.state).toBe('connected');
  const executor = conn.pid;
  expect(procInfo(executor)?.ppid).toBe(app.pid);
  expect(socketDirsIn(tmp)).toHaveLength(1);
  const client = webhookClient(app.url, { plugin: load === 'a 30 s plugin call in flight' ? 'sleepy' : 'noop', timeoutMs: 5_000 });
  const traffic = load === 'webhooks in flight (c=16)' ? concurrentTraffic(client, 16) : null;
  let slow: Promise<unknown> | null = null;
  if (load === 'a 30 s plugin call in flight') {
    slow = fetch(`${app.url}/api/v1/webhook/sleepy?seconds=30`).catch(() => null);
    await sleep(500);
  } else if (traffic) {
    await waitFor(() => traffic.outcomes.length > 50, 10_000, 'traffic');
  }
  const t0 = performance.now();
  app.child.kill('SIGKILL'); // the app only: the executor has its own process group
  let goneMs: number;
  try {
    await waitFor(() => !processRunning(executor), GONE_WITHIN_MS, `the executor (pid ${executor}) to exit after the app's SIGKILL`);
    goneMs = performance.now() - t0;
  } finally {
    if (processRunning(executor)) process.kill(executor, 'SIGKILL');
  }
  await app.exited;
  const summary = traffic ? await traffic.stop() : null;
  await slow;
  client.close();
  await sleep(200); // the executor's last steps happen as it exits: give the folder a moment
  const left = socketDirsIn(tmp);
  expect(executorProcesses(plugins)).toEqual([]);
  report(`SIGKILL of the app (${load})`, null, { 'executor gone after ms': Math.round(goneMs), sent: summary?.sent ?? (slow ? 1 : 0), 'socket folders left': left.length });
  await app.kill();
  return { goneMs, sent: summary?.sent ?? 0, socketDirsLeft: left };
}

describe.skipIf(process.platform !== 'linux')('SIGKILL of the app', () => {
  for (const load of ['idle', 'webhooks in flight (c=16)', 'a 30 s plugin call in flight'] as const) {
    it(`${load}: the executor is gone within ${GONE_WITHIN_MS} ms and leaves no socket folder`, async () => {
      const r = await killAppOnce(load);
      expect(r.goneMs).toBeLessThanOrEqual(GONE_WITHIN_MS);
      expect(r.socketDirsLeft).toEqual([]);
    });
  }
});
