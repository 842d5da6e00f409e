/**
 * Every benchmark of the project in one run: `npm run bench` (or `npm run bench -- discovery
 * headless` for a subset, matched against the names below).
 *
 * A full run writes bench/results/latest.md (markdown tables: the machine, comparisons side by side,
 * every metric's median/min/max) and bench/results/latest.json, plus dated copies of both. A subset
 * writes only the dated copies, so `latest.*` always holds one complete run on one machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchConfigParse } from './config-parse.bench.js';
import { benchDiscovery } from './discovery.bench.js';
import { benchExecutor } from './executor.bench.js';
import { benchHeadless } from './headless.bench.js';
import { benchAsync } from './async.bench.js';
import { benchInbox } from './inbox.bench.js';
import { benchPools } from './pools.bench.js';

import type { BenchGoal, BenchMetric, BenchReport } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT_DIR = path.join(ROOT, 'bench', 'results');
const PYTHON = '/usr/bin/python3';

const BENCHMARKS: { key: string; what: string; run: () => Promise<BenchReport> }[] = [
  { key: 'discovery', what: 'interpreter discovery, cold and warm', run: () => benchDiscovery(7) },
  { key: 'headless', what: 'headless mode: start to REST ready, idle memory', run: () => benchHeadless(3) },
  { key: 'config', what: 'worst-case config parsing near the 1 MiB cap: parse time and event-loop stalls', run: () => benchConfigParse(3) },
  { key: 'executor', what: 'webhooks via the bridge vs direct gRPC and the grpcio anchor, CPU and context switches per call, switches, crash recovery', run: () => benchExecutor() },
  { key: 'inbox', what: 'the delivery list query over 100,000 stored deliveries, with and without filters; the dedup lookup', run: () => benchInbox() },
  { key: 'async', what: 'ack: immediate: send → 202 and 202 → plugin running, c=1 and bursts of 8', run: () => benchAsync() },
  { key: 'pools', what: 'a CPU-bound plugin with executor.workers 1 vs 2, 64 concurrent sleeping calls', run: () => benchPools() },
];

/** Pairs measured in the same run: A, B and A/B (of the medians) */
const COMPARISONS: { label: string; bench: string; a: string; b: string }[] = [
  { label: 'discovery: warm vs cold', bench: 'discovery', a: 'warm discover()', b: 'cold discover()' },
  { label: 'discovery: cold without vs with system headers', bench: 'discovery', a: 'cold discover(), no system headers', b: 'cold discover()' },
  { label: 'headless ready: bundled vs tsx', bench: 'headless', a: 'start → /health 200, executor serving (bundled)', b: 'start → /health 200, executor serving (tsx)' },
  { label: 'idle RSS: headless (bundled) vs bare node', bench: 'headless', a: 'RSS idle: headless Node process (bundled)', b: 'RSS idle: bare `node -e` (baseline)' },
  { label: 'idle RSS: headless (tsx) vs bare node', bench: 'headless', a: 'RSS idle: headless Node process (tsx)', b: 'RSS idle: bare `node -e` (baseline)' },
  { label: 'throughput c=1: bridge vs anchor (grpcio no-op)', bench: 'executor', a: 'bridge throughput c=1', b: 'anchor throughput c=1' },
  { label: 'throughput c=32: bridge vs anchor (grpcio no-op)', bench: 'executor', a: 'bridge throughput c=32', b: 'anchor throughput c=32' },
  { label: 'p50 c=1: bridge vs anchor', bench: 'executor', a: 'bridge p50 c=1', b: 'anchor p50 c=1' },
  { label: 'p99 c=1: bridge vs anchor', bench: 'executor', a: 'bridge p99 c=1', b: 'anchor p99 c=1' },
  { label: 'p50 c=32: bridge vs anchor', bench: 'executor', a: 'bridge p50 c=32', b: 'anchor p50 c=32' },
  { label: 'p99 c=32: bridge vs anchor', bench: 'executor', a: 'bridge p99 c=32', b: 'anchor p99 c=32' },
  { label: 'Python CPU per call c=32: executor vs anchor', bench: 'executor', a: 'bridge CPU per webhook c=32: executor', b: 'anchor CPU per call c=32: grpcio server' },
  { label: 'Node CPU per call c=32: bridge vs grpc-js client', bench: 'executor', a: 'bridge CPU per webhook c=32: Node (bridge)', b: 'anchor CPU per call c=32: Node (grpc-js client)' },
  { label: 'throughput c=32: recording on vs off', bench: 'executor', a: 'bridge throughput c=32', b: 'bridge throughput c=32, recording off' },
  { label: 'context switches per call c=32: executor vs anchor', bench: 'executor', a: 'context switches per webhook c=32: executor', b: 'context switches per call c=32: anchor' },
  { label: 'switch under load vs bare grpcio cold start', bench: 'executor', a: 'interpreter switch under load (c=8)', b: 'bare grpcio server cold start (spawn → health SERVING)' },
  { label: 'kill -9 → serving vs bare grpcio cold start', bench: 'executor', a: 'kill -9 → serving again', b: 'bare grpcio server cold start (spawn → health SERVING)' },
  { label: 'throughput c=1: bridge vs direct gRPC', bench: 'executor', a: 'bridge throughput c=1', b: 'direct gRPC throughput c=1' },
  { label: 'throughput c=32: bridge vs direct gRPC', bench: 'executor', a: 'bridge throughput c=32', b: 'direct gRPC throughput c=32' },
  { label: 'p50 c=32: bridge vs direct gRPC', bench: 'executor', a: 'bridge p50 c=32', b: 'direct p50 c=32' },
  { label: 'p99 c=32: bridge vs direct gRPC', bench: 'executor', a: 'bridge p99 c=32', b: 'direct p99 c=32' },
  { label: 'switch vs cold start, idle', bench: 'executor', a: 'interpreter switch, idle', b: 'executor cold start, idle (spawn → SERVING)' },
  { label: 'switch vs cold start, under load', bench: 'executor', a: 'interpreter switch under load (c=8)', b: 'executor cold start under load (c=8)' },
];

/** The short table (README): one line per promise, with its side-by-side baseline where there is one. */
const SUMMARY: { label: string; bench: string; metric: string; vs?: { label: string; metric: string } }[] = [
  { label: 'interpreter discovery, cold', bench: 'discovery', metric: 'cold discover()', vs: { label: 'warm', metric: 'warm discover()' } },
  { label: 'headless start → REST ready, executor serving (bundled)', bench: 'headless', metric: 'start → /health 200, executor serving (bundled)', vs: { label: 'via tsx', metric: 'start → /health 200, executor serving (tsx)' } },
  { label: 'headless idle RSS (bundled; executor not included)', bench: 'headless', metric: 'RSS idle: headless Node process (bundled)', vs: { label: 'bare node -e', metric: 'RSS idle: bare `node -e` (baseline)' } },
  { label: 'Python executor idle RSS', bench: 'headless', metric: 'RSS idle: Python executor' },
  { label: 'webhooks/s via the bridge, c=1, vs the anchor', bench: 'executor', metric: 'bridge throughput c=1', vs: { label: 'anchor', metric: 'anchor throughput c=1' } },
  { label: 'webhooks/s via the bridge, c=32, vs the anchor', bench: 'executor', metric: 'bridge throughput c=32', vs: { label: 'anchor', metric: 'anchor throughput c=32' } },
  { label: 'latency p50 via the bridge, c=1, vs the anchor', bench: 'executor', metric: 'bridge p50 c=1', vs: { label: 'anchor', metric: 'anchor p50 c=1' } },
  { label: 'webhooks/s via the bridge, c=1', bench: 'executor', metric: 'bridge throughput c=1', vs: { label: 'direct gRPC', metric: 'direct gRPC throughput c=1' } },
  { label: 'webhooks/s via the bridge, c=32', bench: 'executor', metric: 'bridge throughput c=32', vs: { label: 'direct gRPC', metric: 'direct gRPC throughput c=32' } },
  { label: 'latency p50 via the bridge, c=1', bench: 'executor', metric: 'bridge p50 c=1', vs: { label: 'direct gRPC', metric: 'direct p50 c=1' } },
  { label: 'latency p99 via the bridge, c=1', bench: 'executor', metric: 'bridge p99 c=1', vs: { label: 'direct gRPC', metric: 'direct p99 c=1' } },
  { label: 'latency p50 via the bridge, c=32', bench: 'executor', metric: 'bridge p50 c=32', vs: { label: 'direct gRPC', metric: 'direct p50 c=32' } },
  { label: 'latency p99 via the bridge, c=32', bench: 'executor', metric: 'bridge p99 c=32', vs: { label: 'direct gRPC', metric: 'direct p99 c=32' } },
  { label: 'interpreter switch under load (c=8)', bench: 'executor', metric: 'interpreter switch under load (c=8)', vs: { label: 'cold start under load', metric: 'executor cold start under load (c=8)' } },
  { label: 'failed requests during 20 switches + 5 restarts under load', bench: 'executor', metric: 'failed requests during 20 switches + 5 restarts under load' },
  { label: 'kill -9 of the executor → serving again', bench: 'executor', metric: 'kill -9 → serving again' },
  { label: 'delivery list over 100,000 stored, no filter (p50)', bench: 'inbox', metric: 'list 50 of 100000: no filter' },
  { label: 'delivery list over 100,000 stored, filter by plugin (p50)', bench: 'inbox', metric: 'list 50 of 100000: plugin' },
  { label: '202 → plugin running, c=1 (p50)', bench: 'async', metric: '202 → plugin running, c=1, p50', vs: { label: 'p99', metric: '202 → plugin running, c=1, p99' } },
  { label: 'worst config parse near the 1 MiB cap (in thread)', bench: 'config', metric: 'worst parse, in thread' },
  { label: 'worst event-loop stall while a hostile config is parsed', bench: 'config', metric: 'worst event-loop stall via the checker', vs: { label: 'idle', metric: 'event-loop stall, idle (baseline)' } },
];

interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  loadAverageAtStart: [number, number, number];
  /** Filled in when the run ends: what else ran meanwhile shows here. */
  loadAverageAtEnd: [number, number, number] | null;
  os: string;
  kernel: string;
  node: string;
  python: string;
}

const loadAverage = (): [number, number, number] => os.loadavg().map((n) => Math.round(n * 100) / 100) as [number, number, number];

function machine(): Machine {
  let osName = `${os.type()}`;
  try {
    osName = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? osName;
  } catch {
    // not Linux
  }
  let python = 'not found';
  try {
    python = execFileSync(
      PYTHON,
      ['-c', 'import sys, platform\ntry:\n import grpc, google.protobuf as pb; extra = " (grpcio %s, protobuf %s)" % (grpc.__version__, pb.__version__)\nexcept Exception: extra = " (no grpc)"\nprint("%s %s%s" % (platform.python_implementation(), platform.python_version(), extra))'],
      { encoding: 'utf8' },
    ).trim();
  } catch {
    // no python3
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAverageAtStart: loadAverage(),
    loadAverageAtEnd: null,
    os: osName,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: `${PYTHON}: ${python}`,
  };
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n >= 100 ? n.toFixed(1) : n.toFixed(2));

interface RunOutcome {
  key: string;
  name: string;
  seconds: number;
  results: BenchMetric[];
  notes: string[];
  goals: BenchGoal[];
  error: string | null;
}

function markdown(m: Machine, when: string, seconds: number, runs: RunOutcome[], comparisons: { label: string; a: BenchMetric; b: BenchMetric; ratio: number }[], subset: boolean): string {
  const lines: string[] = [];
  lines.push(`# Benchmarks`, '');
  lines.push(`\`npm run bench\`${subset ? ` (subset: ${runs.map((r) => r.key).join(', ')})` : ''} on ${when}, ${seconds.toFixed(0)} s in all (${runs.map((r) => `${r.key} ${r.seconds.toFixed(0)} s`).join(', ')}).`, '');
  lines.push('| machine | |', '|---|---|');
  lines.push(`| CPU | ${m.cpu}, ${m.cores} cores |`);
  lines.push(`| memory | ${m.memoryGiB} GiB |`);
  lines.push(`| load average (1 / 5 / 15 min) | ${m.loadAverageAtStart.join(' / ')} at start, ${m.loadAverageAtEnd?.join(' / ') ?? '?'} at the end |`);
  lines.push(`| OS | ${m.os} (${m.kernel}) |`);
  lines.push(`| Node | ${m.node} |`);
  lines.push(`| Python | ${m.python} |`, '');
  const find = (bench: string, metric: string): BenchMetric | undefined => runs.find((r) => r.key === bench)?.results.find((x) => x.metric === metric);
  const summary = SUMMARY.flatMap((row) => {
    const x = find(row.bench, row.metric);
    if (!x) return [];
    const value = x.unit.startsWith('of ') ? `${fmt(x.median)} ${x.unit}` : `${fmt(x.median)} ${x.unit} (${fmt(x.min)}–${fmt(x.max)})`;
    const base = row.vs ? find(row.bench, row.vs.metric) : undefined;
    const side = row.vs && base ? `${row.vs.label}: ${fmt(base.median)} ${base.unit} (×${fmt(Math.round((x.median / base.median) * 100) / 100)})` : '';
    return [`| ${row.label} | ${value} | ${side} |`];
  });
  if (summary.length > 0) {
    lines.push('## Summary', '');
    lines.push(`Medians (min–max) on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.python.replace(/^.*?: /, '')}; load average ${m.loadAverageAtStart[0]} at start.`, '');
    lines.push('| measure | median (min–max) | side by side, same run |', '|---|---|---|', ...summary, '');
  }
  if (comparisons.length > 0) {
    lines.push('## Side by side (same run, medians)', '');
    lines.push('| comparison | A | B | A/B |', '|---|---:|---:|---:|');
    for (const c of comparisons) lines.push(`| ${c.label} | ${fmt(c.a.median)} ${c.a.unit} | ${fmt(c.b.median)} ${c.b.unit} | ${fmt(c.ratio)} |`);
    lines.push('');
  }
  const goals = runs.flatMap((r) => r.goals.map((g) => ({ ...g, bench: r.name })));
  if (goals.length > 0) {
    lines.push('## Goals', '');
    lines.push('| goal | measured | |', '|---|---|---|');
    for (const g of goals) lines.push(`| ${g.goal} | ${g.measured} | ${g.met === null ? 'n/a' : g.met ? 'met' : '**not met**'} |`);
    lines.push('');
  }
  lines.push('## Results', '');
  lines.push('| benchmark | metric | median | min | max | unit |', '|---|---|---:|---:|---:|---|');
  for (const r of runs) {
    if (r.error) lines.push(`| ${r.name} | **failed**: ${r.error.replace(/\|/g, '\\|').split('\n')[0]} | | | | |`);
    for (const x of r.results) lines.push(`| ${r.name} | ${x.metric.replace(/\|/g, '\\|')} | ${fmt(x.median)} | ${fmt(x.min)} | ${fmt(x.max)} | ${x.unit} |`);
  }
  lines.push('', '## Notes', '');
  for (const r of runs) {
    lines.push(`**${r.name}**`, '');
    for (const n of r.notes) lines.push(`- ${n}`);
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const selected = filters.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => filters.some((f) => b.key.includes(f.toLowerCase())));
  if (selected.length === 0) {
    console.error(`no benchmark matches ${filters.join(', ')}; there are: ${BENCHMARKS.map((b) => `${b.key} (${b.what})`).join('; ')}`);
    process.exitCode = 2;
    return;
  }
  const subset = selected.length !== BENCHMARKS.length;
  const m = machine();
  const started = new Date();
  console.log(`machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; load average ${m.loadAverageAtStart.join(' / ')}; Node ${m.node}; ${m.python}`);
  const t0 = performance.now();
  const runs: RunOutcome[] = [];
  for (const b of selected) {
    console.log(`\n▶ ${b.key}: ${b.what}`);
    const t = performance.now();
    try {
      const r = await b.run();
      runs.push({ key: b.key, name: r.name, seconds: (performance.now() - t) / 1000, results: r.results, notes: r.notes, goals: r.goals ?? [], error: null });
      for (const x of r.results) console.log(`  ${x.metric}: ${fmt(x.median)} ${x.unit} (${fmt(x.min)}–${fmt(x.max)})`);
      for (const g of r.goals ?? []) console.log(`  goal ${g.goal}: ${g.met === null ? g.measured : `${g.met ? 'met' : 'NOT met'} (${g.measured})`}`);
    } catch (err) {
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      console.error(`  ${b.key} failed: ${error}`);
      runs.push({ key: b.key, name: b.key, seconds: (performance.now() - t) / 1000, results: [], notes: [], goals: [], error });
      process.exitCode = 1;
    }
    console.log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  const seconds = (performance.now() - t0) / 1000;
  m.loadAverageAtEnd = loadAverage();
  const comparisons = COMPARISONS.flatMap((c) => {
    const run = runs.find((r) => r.key === c.bench);
    const a = run?.results.find((x) => x.metric === c.a);
    const b = run?.results.find((x) => x.metric === c.b);
    return a && b && b.median !== 0 ? [{ label: c.label, a, b, ratio: Math.round((a.median / b.median) * 100) / 100 }] : [];
  });
  const when = started.toISOString().replace(/\.\d+Z$/, 'Z');
  const md = markdown(m, when, seconds, runs, comparisons, subset);
  const json = JSON.stringify({ date: when, seconds: Math.round(seconds * 10) / 10, subset: subset ? selected.map((b) => b.key) : null, machine: m, comparisons: comparisons.map((c) => ({ label: c.label, a: c.a, b: c.b, ratio: c.ratio })), benchmarks: runs }, null, 2);
  if (!existsSync(OUT_DIR)) mkdirSync(OUT_DIR, { recursive: true });
  const stamp = when.replace(/:/g, '-');
  const dated = subset ? `${stamp}-${selected.map((b) => b.key).join('-')}` : stamp;
  writeFileSync(path.join(OUT_DIR, `${dated}.md`), `${md}\n`);
  writeFileSync(path.join(OUT_DIR, `${dated}.json`), `${json}\n`);
  if (!subset) {
    writeFileSync(path.join(OUT_DIR, 'latest.md'), `${md}\n`);
    writeFileSync(path.join(OUT_DIR, 'latest.json'), `${json}\n`);
  }
  console.log(`\n${md}`);
  console.log(`\nwritten: bench/results/${dated}.{md,json}${subset ? ' (a subset: latest.* left as they were)' : ' and bench/results/latest.{md,json}'}; ${seconds.toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
