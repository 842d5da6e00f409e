/**
 * Interpreter discovery benchmark on this machine.
 *
 *   npx tsx test/bench/discovery.bench.ts [runs]
 *
 * cold: a new discovery instance per run (no cache); warm: one instance, primed once.
 * Goals: cold < 300 ms, warm < 30 ms, at most one process per interpreter whose
 * version no file gives, none when warm.
 */
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import {
  createDiscovery,
  createProbeRunner,
  nodeDiscoveryFs,
  type DiscoveryDeps,
} from '../../electron/core/interpreters/discovery/index.js';
import { ProcessRunner } from '../../electron/core/process/runner.js';
import type { DiscoveryResult } from '../../shared/interpreters-discovery.js';

import { summarize, type BenchMetric, type BenchReport } from './report.js';

export type { BenchMetric, BenchReport };

const GOALS = { coldMs: 300, warmMs: 30 };


/**
 * `hideSystemHeaders`: pretend /usr/include has no Python headers (no python3-dev),
 * so the system interpreter has to be probed, as on most user machines.
 */
function machineDeps(hideSystemHeaders = false): DiscoveryDeps {
  const runProcess = new ProcessRunner({ env: process.env, platform: process.platform }).run;
  const fs = hideSystemHeaders
    ? { ...nodeDiscoveryFs, readdir: (dir: string) => (dir === '/usr/include' ? Promise.resolve([]) : nodeDiscoveryFs.readdir(dir)) }
    : nodeDiscoveryFs;
  return {
    platform: process.platform,
    env: process.env,
    homeDir: os.homedir(),
    cwd: process.cwd(),
    fs,
    runProbe: createProbeRunner(runProcess, fileURLToPath(new URL('../../resources/python/interpreter_probe.py', import.meta.url))),
    now: () => performance.now(),
  };
}

async function timed(run: () => Promise<DiscoveryResult>): Promise<{ ms: number; result: DiscoveryResult }> {
  const t0 = performance.now();
  const result = await run();
  return { ms: performance.now() - t0, result };
}

export async function benchDiscovery(runs = 7): Promise<BenchReport> {
  const deps = machineDeps();
  const cold: { ms: number; result: DiscoveryResult }[] = [];
  for (let i = 0; i < runs; i++) cold.push(await timed(() => createDiscovery(deps).discover()));

  const headless = machineDeps(true);
  const coldProbing: { ms: number; result: DiscoveryResult }[] = [];
  for (let i = 0; i < runs; i++) coldProbing.push(await timed(() => createDiscovery(headless).discover()));

  const discovery = createDiscovery(deps);
  await discovery.discover();
  const warm: { ms: number; result: DiscoveryResult }[] = [];
  for (let i = 0; i < runs; i++) warm.push(await timed(() => discovery.discover()));

  const last = cold.at(-1)?.result;
  const interpreters = last?.interpreters ?? [];
  const probed = interpreters.filter((i) => i.versionSource === 'probe' || (i.broken !== null && i.version === null));
  const coldMedian = summarize('cold', cold.map((c) => c.ms), 'ms').median;
  const warmMedian = summarize('warm', warm.map((w) => w.ms), 'ms').median;
  const maxColdProcesses = Math.max(...cold.map((c) => c.result.stats.processesStarted));
  const bySource = (last?.stats.sources ?? []).map((s) => `${s.name}=${s.count}`).join(', ');
  return {
    name: 'interpreter discovery',
    results: [
      summarize('cold discover()', cold.map((c) => c.ms), 'ms'),
      summarize('warm discover()', warm.map((w) => w.ms), 'ms'),
      summarize('interpreters found', cold.map((c) => c.result.interpreters.length), 'count'),
      summarize('processes started (cold)', cold.map((c) => c.result.stats.processesStarted), 'count'),
      summarize('processes started (warm)', warm.map((w) => w.result.stats.processesStarted), 'count'),
      summarize('cold discover(), no system headers', coldProbing.map((c) => c.ms), 'ms'),
      summarize('processes started (cold, no system headers)', coldProbing.map((c) => c.result.stats.processesStarted), 'count'),
      summarize('cache hits (warm)', warm.map((w) => w.result.stats.cacheHits), 'count'),
    ],
    notes: [
      `${runs} runs each on ${process.platform}/${process.arch}, ${os.cpus().length} cores; cold = new instance per run, warm = one primed instance`,
      `goal cold < ${GOALS.coldMs} ms: ${coldMedian < GOALS.coldMs ? 'met' : 'NOT met'} (median ${coldMedian} ms); goal warm < ${GOALS.warmMs} ms: ${warmMedian < GOALS.warmMs ? 'met' : 'NOT met'} (median ${warmMedian} ms)`,
      `processes: at most ${maxColdProcesses} cold for ${probed.length} interpreter(s) no file describes${probed.length ? ` (${probed.map((i) => i.path).join(', ')})` : ''}`,
      `without /usr/include headers the probe starts ${coldProbing.at(-1)?.result.stats.processesStarted ?? 0} process(es): ${
        coldProbing.at(-1)?.result.interpreters.filter((i) => i.versionSource === 'probe').map((i) => `${i.path} ${i.version}`).join(', ') || 'none'
      }`,
      `candidates per source: ${bySource}`,
      `version sources: ${[...new Set(interpreters.map((i) => i.versionSource ?? 'none'))].join(', ')}`,
    ],
  };
}

function printTable(report: BenchReport): void {
  const rows = report.results.map((r) => [r.metric, String(r.median), String(r.min), String(r.max), r.unit]);
  const header = ['metric', 'median', 'min', 'max', 'unit'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(`\n${report.name}\n`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const note of report.notes) console.log(`- ${note}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = Number(process.argv[2] ?? 7);
  benchDiscovery(Number.isInteger(runs) && runs > 0 ? runs : 7).then(printTable, (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
