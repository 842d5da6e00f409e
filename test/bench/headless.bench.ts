/**
 * Headless mode as a real process, started `runs` times (interleaved with a bare Node process as
 * the memory baseline, measured the same way in the same run):
 *
 *   npx tsx test/bench/headless.bench.ts [runs]
 *
 * - start → the `REST API listening` line, and → the first `/health` 200 with the executor serving,
 *   for `node --import tsx electron/headless.ts` (what `npm run serve` runs, minus npm itself) and
 *   for the same entry bundled into one file (how the packaged app loads: no TypeScript transform);
 * - resident memory (VmRSS from /proc) once idle: the Node process, its Python executor, the two
 *   together, and `node -e` (an idle bare Node) beside it;
 * - SIGTERM → exit (executor stopped too).
 * No goals: the figures are for comparison (bundled vs tsx, headless vs a bare Node).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleHeadless, killAllHeadless, startHeadless } from '../helpers/headless-process.js';
import { processRunning, rssBytes, sleep, waitFor } from '../helpers/chaos.js';

import { summarize, type BenchMetric, type BenchReport } from './report.js';

export type { BenchMetric, BenchReport };

const PYTHON = '/usr/bin/python3';
const IDLE_MS = 1_500;
const TOKEN = 'bench-token-0123456789abcdef0123456789';
const MiB = 1024 * 1024;


interface HeadlessRun {
  listenMs: number;
  healthMs: number;
  nodeRss: number;
  executorRss: number;
  stopMs: number;
}

async function oneHeadless(dir: string, bundle: string | undefined): Promise<HeadlessRun> {
  const home = mkdtempSync(path.join(dir, 'home-'));
  const configFile = path.join(home, 'config.yaml');
  await fs.writeFile(
    configFile,
    JSON.stringify({ python: { interpreters: { system: { path: PYTHON } }, active_interpreter: 'system' }, plugins: { dirs: [] }, logging: { level: 'info' } }),
  );
  const t0 = performance.now();
  const app = await startHeadless({ configFile, home, env: { WEBHOOK_BRIDGE_API_TOKEN: TOKEN, TMPDIR: home }, ...(bundle ? { bundle } : {}) });
  const listenMs = performance.now() - t0;
  let executorPid = 0;
  try {
    for (;;) {
      const res = await fetch(`${app.url}/health`).catch(() => null);
      const body = res?.ok ? ((await res.json()) as { executor: { serving: boolean } }) : null;
      if (body?.executor.serving) break;
      if (performance.now() - t0 > 30_000) throw new Error(`headless mode not healthy within 30 s: ${app.stderr()}`);
      await sleep(5);
    }
    const healthMs = performance.now() - t0;
    const conn = (await (await fetch(`${app.url}/api/dashboard/connection`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { pid: number };
    executorPid = conn.pid;
    await sleep(IDLE_MS);
    const nodeRss = rssBytes(app.pid) ?? 0;
    const executorRss = rssBytes(executorPid) ?? 0;
    const t1 = performance.now();
    app.child.kill('SIGTERM');
    await app.exited;
    await waitFor(() => !processRunning(executorPid), 5_000, 'the executor to stop');
    const stopMs = performance.now() - t1;
    return { listenMs, healthMs, nodeRss, executorRss, stopMs };
  } finally {
    await app.kill();
    await fs.rm(home, { recursive: true, force: true });
  }
}

/** An idle `node -e` process: its RSS after the same idle time. */
async function bareNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30); process.stdout.write("up\\n")'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`node -e exited (${code})`)));
  });
  await sleep(IDLE_MS);
  const rss = rssBytes(child.pid as number) ?? 0;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return rss;
}

export async function benchHeadless(runs = 3): Promise<BenchReport> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-bench-headless-'));
  const bundle = await bundleHeadless();
  const tsx: HeadlessRun[] = [];
  const bundled: HeadlessRun[] = [];
  const bare: number[] = [];
  try {
    await oneHeadless(dir, undefined); // warm-up: tsx's transform cache, page cache, Python's bytecode cache
    await oneHeadless(dir, bundle);
    for (let i = 0; i < runs; i++) {
      bare.push(await bareNodeRss());
      tsx.push(await oneHeadless(dir, undefined));
      bundled.push(await oneHeadless(dir, bundle));
    }
  } finally {
    await killAllHeadless();
    await fs.rm(dir, { recursive: true, force: true });
  }
  const mib = (b: number): number => b / MiB;
  const all = [...tsx, ...bundled];
  const results: BenchMetric[] = [
    summarize('start → REST API listening (tsx, as npm run serve)', tsx.map((r) => r.listenMs), 'ms'),
    summarize('start → /health 200, executor serving (tsx)', tsx.map((r) => r.healthMs), 'ms'),
    summarize('start → REST API listening (bundled)', bundled.map((r) => r.listenMs), 'ms'),
    summarize('start → /health 200, executor serving (bundled)', bundled.map((r) => r.healthMs), 'ms'),
    summarize('bundled/tsx start → /health 200', bundled.map((r, i) => r.healthMs / (tsx[i]?.healthMs ?? 1)), 'ratio'),
    summarize('RSS idle: headless Node process (tsx)', tsx.map((r) => mib(r.nodeRss)), 'MiB'),
    summarize('RSS idle: headless Node process (bundled)', bundled.map((r) => mib(r.nodeRss)), 'MiB'),
    summarize('RSS idle: Python executor', all.map((r) => mib(r.executorRss)), 'MiB'),
    summarize('RSS idle: headless + executor (bundled)', bundled.map((r) => mib(r.nodeRss + r.executorRss)), 'MiB'),
    summarize('RSS idle: bare `node -e` (baseline)', bare.map(mib), 'MiB'),
    summarize('headless (bundled) / bare node RSS', bundled.map((r, i) => r.nodeRss / (bare[i] ?? 1)), 'ratio'),
    summarize('headless (tsx) / bare node RSS', tsx.map((r, i) => r.nodeRss / (bare[i] ?? 1)), 'ratio'),
    summarize('SIGTERM → exited, executor stopped', all.map((r) => r.stopMs), 'ms'),
  ];
  return {
    name: 'headless mode',
    results,
    notes: [
      `${runs} starts each of a real headless process (system python3, no plugins), interleaved with a bare \`node -e\`; RSS read from /proc/PID/status ${IDLE_MS / 1000} s after /health said serving`,
      'tsx = `node --import tsx electron/headless.ts` (TypeScript transformed at load, from its disk cache); bundled = the same entry built by esbuild into one file (test/helpers/headless-process.ts), as the packaged app loads its main code',
      'the start includes spawning the Python executor and waiting for its health SERVING (startBridge awaits it before listening)',
    ],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = Number(process.argv[2] ?? 3);
  benchHeadless(Number.isInteger(runs) && runs > 0 ? runs : 3).then(
    (r) => {
      for (const m of r.results) console.log(`${m.metric}: ${m.median} (${m.min}–${m.max}) ${m.unit}`);
      for (const n of r.notes) console.log(`- ${n}`);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
