/**
 * B5 + B7: a plugin floods the log (the executor's stdout and stderr) while 200 event-stream
 * clients have stopped reading. Headless mode runs as its own process (bundled), so its RSS is
 * its own: sampled every 50 ms from /proc while /health is asked every 50 ms.
 *
 * - 1 MiB lines: 200 of them (100 on stdout, 100 on stderr, from 4 calls at once);
 * - no newline at all: 2 × 128 MiB in one line (bounded by the line reader's per-line cap,
 *   electron/core/process/lines.ts; readline held the whole line and a 600 MiB one killed the app).
 *
 * Each time: the app's RSS stays under RSS_BOUND_MB (README, "Limits"), /health answers every time,
 * within HEALTH_BOUND_MS at the median (the maximum is reported), the app and its executor are
 * still there and a webhook still answers. How many stalled clients were dropped is reported: the
 * kernel takes megabytes per socket before the app holds any backlog.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssBytes, sleep } from '../helpers/chaos.js';
import { REPO_ROOT } from '../helpers/bridge.js';
import { bundleHeadless, killAllHeadless, startHeadless, type HeadlessProcess } from '../helpers/headless-process.js';
import { privateTmpDir, removePrivateTmpDir, report, SYSTEM_PYTHON } from './support.js';

const TOKEN = 'chaos-log-flood-token-0123456789abcdef';
const STALLED_CLIENTS = 200;
/** The bound README.md states: measured peaks 177 MB (1 MiB lines) and 192 MB (no newline), from 84 MB idle. */
const RSS_BOUND_MB = 300;
const HEALTH_BOUND_MS = 100;
const MB = 1024 * 1024;

let app: HeadlessProcess;
let root = '';

beforeAll(async () => {
  root = mkdtempSync(path.join(privateTmpDir(), 'flood-'));
  const home = path.join(root, 'home');
  const tmp = path.join(root, 'tmp');
  const plugins = path.join(root, 'plugins');
  for (const d of [home, tmp, plugins]) mkdirSync(d);
  copyFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'plugins', 'flood.py'), path.join(plugins, 'flood.py'));
  const configFile = path.join(home, 'config.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      python: { interpreters: { system: { path: SYSTEM_PYTHON } }, active_interpreter: 'system' },
      executor: { timeout: 170 },
      plugins: { dirs: [plugins] },
      logging: { level: 'info' },
    }),
    { mode: 0o600 },
  );
  app = await startHeadless({ configFile, home, bundle: await bundleHeadless(), env: { WEBHOOK_BRIDGE_API_TOKEN: TOKEN, TMPDIR: tmp }, args: ['--quiet'], readyTimeoutMs: 60_000 });
}, 120_000);

afterAll(async () => {
  await killAllHeadless();
  rmSync(root, { recursive: true, force: true });
  removePrivateTmpDir();
});

/** Event-stream clients that read the response head and then never read again. */
async function stalledClients(port: number, n: number): Promise<{ closed: () => number; destroy: () => void }> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      const s = net.connect(port, '127.0.0.1');
      sockets.push(s);
      s.on('error', () => undefined);
      s.once('close', () => closed++);
      await new Promise((r) => s.once('connect', r));
      s.write(`GET /api/dashboard/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
      await new Promise((r) => s.once('data', r));
      s.pause();
    }),
  );
  return { closed: () => closed, destroy: () => sockets.forEach((s) => s.destroy()) };
}

interface Watch {
  stop(): Promise<{ peakRssMb: number; health: number[]; healthStatuses: Record<string, number> }>;
}

/** Samples the app's RSS and asks /health (one keep-alive connection), each every 50 ms. */
function watch(target: HeadlessProcess): Watch {
  let peak = rssBytes(target.pid) ?? 0;
  const rss = setInterval(() => (peak = Math.max(peak, rssBytes(target.pid) ?? 0)), 50);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const health: number[] = [];
  const statuses: Record<string, number> = {};
  let running = true;
  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.get(`${target.url}/health`, { agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          health.push(performance.now() - t0);
          statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        health.push(performance.now() - t0);
        statuses['0'] = (statuses['0'] ?? 0) + 1;
        resolve();
      });
    });
  const loop = (async () => {
    while (running) {
      await once();
      await sleep(50);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      clearInterval(rss);
      agent.destroy();
      return { peakRssMb: Math.round(peak / MB), health, healthStatuses: statuses };
    },
  };
}

async function get(urlPath: string): Promise<number> {
  const res = await fetch(`${app.url}${urlPath}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  await res.arrayBuffer();
  return res.status;
}

async function flood(scenario: string, calls: string[]): Promise<void> {
  const baseMb = Math.round((rssBytes(app.pid) ?? 0) / MB);
  const clients = await stalledClients(app.port, STALLED_CLIENTS);
  const w = watch(app);
  const statuses = await Promise.all(calls.map((c) => get(`/api/v1/webhook/flood?${c}`)));
  await sleep(1_000); // the last lines are still in the pipe when the plugin returns
  const r = await w.stop();
  const dropped = clients.closed();
  clients.destroy();
  const sorted = [...r.health].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
  report(scenario, null, {
    'flood calls': statuses.join(','),
    'RSS before MB': baseMb,
    'RSS peak MB': r.peakRssMb,
    '/health asks': r.health.length,
    '/health p50 ms': Math.round(p50),
    '/health p90 ms': Math.round(sorted[Math.floor(sorted.length * 0.9)] ?? 0),
    '/health max ms': Math.round(sorted.at(-1) ?? 0),
    '/health statuses': r.healthStatuses,
    'stalled clients dropped': `${dropped}/${STALLED_CLIENTS}`,
  });
  expect(app.child.exitCode).toBeNull();
  expect(statuses.every((s) => s === 200)).toBe(true);
  expect(r.peakRssMb).toBeLessThan(RSS_BOUND_MB);
  expect(r.healthStatuses).toEqual({ '200': r.health.length });
  // the median, not the maximum: on a loaded machine (CI, or 2 cores shared) any process, idle or
  // not, sometimes waits seconds for a core; a blocked event loop (before: every /health timed
  // out) moves the median too. The maximum is in the report.
  expect(p50).toBeLessThanOrEqual(HEALTH_BOUND_MS);
  expect(await get('/api/v1/webhook/flood?mode=lines&count=1&size=10')).toBe(200);
  const conn = (await (await fetch(`${app.url}/api/dashboard/connection`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { state: string };
  expect(conn.state).toBe('connected');
  expect(app.child.exitCode).toBeNull();
}

describe.skipIf(process.platform !== 'linux')(`log floods under ${STALLED_CLIENTS} stalled event-stream clients`, () => {
  it(`1 MiB lines on stdout and stderr: RSS under ${RSS_BOUND_MB} MB, /health within ${HEALTH_BOUND_MS} ms (median), nothing crashes`, async () => {
    await flood('1 MiB log lines', Array.from({ length: 4 }, () => 'mode=lines&count=25'));
  });

  it(`no newline on stdout and stderr (2 × 128 MiB, one line): RSS under ${RSS_BOUND_MB} MB, /health within ${HEALTH_BOUND_MS} ms (median), nothing crashes`, async () => {
    await flood('a log line of 256 MiB', ['mode=nonewline&mib=128']);
  });
});
