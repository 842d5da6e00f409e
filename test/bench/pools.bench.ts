/**
 * Executor pools and concurrency (issue 14), through real bridges (headless, in-process) and real
 * executors, with the bench plugins of test/bench/plugins/:
 *
 *   npx tsx test/bench/pools.bench.ts
 *
 * - a CPU-bound plugin (`spin`: 5 ms of pure-Python CPU per call) at c=8 under `executor.workers: 1`
 *   and `executor.workers: 2`, two bridges side by side in interleaved rounds; goal: workers 2 ≥ 1.6×
 *   workers 1. Until the `executor.workers` setting exists the row reports "n/a (workers not supported)";
 * - 64 concurrent calls to a plugin that sleeps 200 ms (`nap`), under the default settings: the time
 *   until the last answer; goal ≤ 2 × 200 ms. The same bursts beneath HTTP (core.executor) as a
 *   second row: what the executor's threads allow, without 64 HTTP requests' cost in this process.
 */
import { mkdtempSync, promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startBridge, type Bridge } from '../../electron/app.js';
import { DEFAULTS } from '../../electron/core/config/schema.js';
import { summarize, type BenchGoal, type BenchMetric, type BenchReport } from './report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const PYTHON = '/usr/bin/python3';
const ROUNDS = 3;
const RUN_MS = 2_000;
const BURSTS = 5;
const SLEEP_MS = 200;
const GOALS = { workersRatio: 1.6, burstFactor: 2 };

/** Does this build have the `executor.workers` setting (issue 14 item 3)? */
export const workersSupported = (): boolean => Object.hasOwn(DEFAULTS, 'executor.workers');

async function bridgeWith(dir: string, name: string, executor: Record<string, unknown>): Promise<Bridge> {
  const home = path.join(dir, name);
  await fs.mkdir(home);
  const configFile = path.join(home, 'config.yaml');
  await fs.writeFile(
    configFile,
    JSON.stringify({
      python: { interpreters: { system: { path: PYTHON } }, active_interpreter: 'system' },
      executor,
      plugins: { dirs: [path.join(HERE, 'plugins')] },
      logging: { level: 'warn' },
    }),
  );
  const env: Record<string, string | undefined> = { ...process.env, HOME: home, XDG_CONFIG_HOME: home, XDG_STATE_HOME: home, XDG_DATA_HOME: home };
  delete env['WEBHOOK_BRIDGE_API_TOKEN'];
  const bridge = await startBridge({ configFlag: configFile, port: 0, host: '127.0.0.1', env, home, fileLog: false, resourcesDir: path.join(ROOT, 'resources') });
  if (bridge.core.executor.status().state !== 'connected') {
    const why = bridge.core.executor.status().last_error;
    await bridge.stop();
    throw new Error(`the ${name} bridge's executor is not serving: ${why}`);
  }
  return bridge;
}

function caller(base: string, target: string, agent: http.Agent): () => Promise<number> {
  const u = new URL(`${base}/api/v1/webhook/${target}`);
  const body = Buffer.from('{"event":"bench"}');
  return () =>
    new Promise((resolve) => {
      const req = http.request(
        { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
}

/** `concurrency` closed-loop callers for `ms`: calls answered 200 per second, and the failures. */
async function closedLoop(call: () => Promise<number>, concurrency: number, ms: number): Promise<{ rps: number; failed: number }> {
  let ok = 0;
  let failed = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        if ((await call()) === 200) ok++;
        else failed++;
      }
    }),
  );
  return { rps: (ok / (performance.now() - t0)) * 1000, failed };
}

export async function benchPools(): Promise<BenchReport> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wbx-bench-pools-'));
  const results: BenchMetric[] = [];
  const notes: string[] = [];
  const goals: BenchGoal[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  const bridges: Bridge[] = [];
  try {
    // 64 × 200 ms under the default settings
    const plain = await bridgeWith(dir, 'default', {});
    bridges.push(plain);
    const nap = caller(plain.url, `nap?ms=${SLEEP_MS}`, agent);
    await Promise.all(Array.from({ length: 8 }, nap)); // warm-up: plugin loaded, sockets open
    const bursts: number[] = [];
    let burstFailed = 0;
    for (let i = 0; i < BURSTS; i++) {
      const t0 = performance.now();
      const statuses = await Promise.all(Array.from({ length: 64 }, nap));
      bursts.push(performance.now() - t0);
      burstFailed += statuses.filter((s) => s !== 200).length;
    }
    results.push(summarize(`64 concurrent calls to a ${SLEEP_MS} ms sleeping plugin: until the last answer`, bursts, 'ms'));
    // the same bursts beneath HTTP (core.executor: recorder, limits, gateway, streams, executor), so
    // the executor's threads can be told apart from the cost of 64 HTTP requests in one Node process
    const core = plain.core.executor;
    const napCore = (): Promise<number> =>
      core.execute({ plugin: 'nap', method: 'POST', path: '/api/v1/webhook/nap', headers: { 'content-type': 'application/json' }, query: `ms=${SLEEP_MS}`, body: Buffer.from('{"event":"bench"}'), contentType: 'application/json' }).then((r) => r.status, () => 0);
    const coreBursts: number[] = [];
    for (let i = 0; i < BURSTS; i++) {
      const t0 = performance.now();
      const statuses = await Promise.all(Array.from({ length: 64 }, napCore));
      coreBursts.push(performance.now() - t0);
      burstFailed += statuses.filter((s) => s !== 200).length;
    }
    results.push(summarize(`64 concurrent calls to a ${SLEEP_MS} ms sleeping plugin beneath HTTP (core.executor): until the last answer`, coreBursts, 'ms'));
    const burst = summarize('', bursts, '').median;
    goals.push({
      goal: `64 concurrent calls to a ${SLEEP_MS} ms sleeping plugin finish in ≤ ${GOALS.burstFactor} × ${SLEEP_MS} ms`,
      measured: `${burst} ms (×${Math.round((burst / SLEEP_MS) * 100) / 100} of ${SLEEP_MS} ms; beneath HTTP ${summarize('', coreBursts, '').median} ms; default settings: executor.threads ${plain.core.config.settings.executor.threads}${burstFailed ? `; ${burstFailed} failed` : ''})`,
      met: burst <= GOALS.burstFactor * SLEEP_MS && burstFailed === 0,
    });

    // CPU-bound plugin at c=8: workers 1 vs 2
    if (!workersSupported()) {
      notes.push('CPU-bound row: n/a (workers not supported): this build has no executor.workers setting');
      goals.push({ goal: `a CPU-bound plugin (5 ms of pure Python) at c=8 with workers: 2 ≥ ${GOALS.workersRatio}× workers: 1`, measured: 'n/a (workers not supported)', met: null });
    } else {
      const w1 = await bridgeWith(dir, 'workers-1', { workers: 1 });
      bridges.push(w1);
      const w2 = await bridgeWith(dir, 'workers-2', { workers: 2 });
      bridges.push(w2);
      const spin1 = caller(w1.url, 'spin?ms=5', agent);
      const spin2 = caller(w2.url, 'spin?ms=5', agent);
      await closedLoop(spin1, 8, 300);
      await closedLoop(spin2, 8, 300);
      const one: number[] = [];
      const two: number[] = [];
      let failed = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const a = await closedLoop(spin1, 8, RUN_MS);
        const b = await closedLoop(spin2, 8, RUN_MS);
        one.push(a.rps);
        two.push(b.rps);
        failed += a.failed + b.failed;
      }
      results.push(summarize('CPU-bound plugin (5 ms) c=8, workers: 1', one, 'req/s'));
      results.push(summarize('CPU-bound plugin (5 ms) c=8, workers: 2', two, 'req/s'));
      const ratios = two.map((x, i) => x / (one[i] ?? 1));
      results.push(summarize('CPU-bound plugin c=8: workers 2 / workers 1', ratios, 'ratio'));
      const ratio = summarize('', ratios, '').median;
      goals.push({
        goal: `a CPU-bound plugin (5 ms of pure Python) at c=8 with workers: 2 ≥ ${GOALS.workersRatio}× workers: 1`,
        measured: `×${ratio} (${summarize('', two, '').median} vs ${summarize('', one, '').median} req/s${failed ? `; ${failed} failed` : ''})`,
        met: ratio >= GOALS.workersRatio && failed === 0,
      });
    }
    notes.unshift(`${os.cpus().length} cores; one Node process runs the bridges and the load; ${ROUNDS} interleaved rounds of ${RUN_MS / 1000} s (CPU-bound), ${BURSTS} bursts of 64 (sleeping)`);
  } finally {
    agent.destroy();
    for (const b of bridges) await b.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
  return { name: 'executor pools', results, notes, goals };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchPools().then(
    (r) => {
      for (const x of r.results) console.log(`${x.metric}: ${x.median} ${x.unit} (${x.min}–${x.max})`);
      for (const g of r.goals ?? []) console.log(`goal ${g.goal}: ${g.met === null ? g.measured : `${g.met ? 'met' : 'NOT met'} (${g.measured})`}`);
      for (const n of r.notes) console.log(`- ${n}`);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
