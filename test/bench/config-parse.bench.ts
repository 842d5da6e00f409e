/**
 * Worst-case config parsing (issue 12, B2): inputs near the 1 MiB cap built to be slow to parse —
 * many keys, deep nesting, one long string, many aliases, an alias chain. For each:
 *   - the parse and check itself (parseConfig, in this thread): how long the work takes;
 *   - the longest event-loop stall while the app's ConfigChecker handles it (a worker thread for
 *     anything over 16 KiB): what the app feels. Goal: under 100 ms.
 * Plus edits through a real ConfigStore (the largest valid config, and 2000 lines the printer
 * rewrites): how long one takes and the longest event-loop stall meanwhile. Goal: under 100 ms.
 *
 *   npx tsx test/bench/config-parse.bench.ts [runs]
 */
import { pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigChecker } from '../../electron/core/config/checker.js';
import { ConfigStore } from '../../electron/core/config/store.js';
import { Logger } from '../../electron/core/logging/logger.js';
import { MAX_CONFIG_BYTES, MAX_NODES, parseConfig } from '../../electron/core/config/validate.js';
import { summarize, type BenchMetric, type BenchReport } from './report.js';

const GOAL_STALL_MS = 100;

function fill(head: string, line: (i: number) => string, tail = ''): string {
  const parts = [head];
  let size = head.length + tail.length;
  for (let i = 0; ; i++) {
    const l = line(i);
    if (size + l.length > MAX_CONFIG_BYTES - 16) break;
    parts.push(l);
    size += l.length;
  }
  parts.push(tail);
  return parts.join('');
}

const half = Math.floor(MAX_CONFIG_BYTES / 2) - 16;
export const WORST_CASES: Record<string, string> = {
  'many keys': fill('extra:\n', (i) => `  k${i}: 1\n`),
  'many flow keys': fill('extra: {', (i) => `k${i}: 1,`, '}\n'),
  'deep flow nesting': `extra: ${'['.repeat(half)}${']'.repeat(half)}\n`,
  'deep block nesting': fill('extra:\n', (i) => `${' '.repeat(i + 2)}k:\n`),
  'long string': `extra: "${'x'.repeat(MAX_CONFIG_BYTES - 16)}"\n`,
  'many aliases': fill('a: &a x\nl: [', () => '*a,', ']\n'),
  'alias chain': fill('x0: &a0 [1]\n', (i) => `x${i + 1}: &a${i + 1} [*a${i}, *a${i}]\n`),
  'duplicate keys': fill('extra:\n', () => '  k: 1\n'),
};

/** The largest valid config: MAX_NODES nodes, padded with a long comment to the cap. */
function largestValid(room = 16): string {
  const lines = ['python:', '  interpreters:'];
  for (let i = 0; i < MAX_NODES / 8; i++) lines.push(`    p${i}: { path: /usr/bin/python3, name: "P ${i}" }`);
  const text = `${lines.join('\n')}\n`;
  return `${text}# ${'x'.repeat(MAX_CONFIG_BYTES - text.length - room)}\n`;
}

/** Every list item is printed again in lower case: every line of the re-print differs (the diff's worst case). */
function upperHex(lines: number): string {
  const items = Array.from({ length: lines }, (_, i) => `  - 0xABCDEF${i.toString(16).toUpperCase().padStart(8, '0')}`);
  return `server:\n  port: 8000\nx_extra:\n${items.join('\n')}\n`;
}

/** One PATCH-like edit (logging.level) through a real ConfigStore: the worst event-loop stall during it. */
async function benchEdits(runs: number): Promise<{ results: BenchMetric[]; worst: number }> {
  const results: BenchMetric[] = [];
  let worst = 0;
  const logger = Logger.create({ level: 'error', sinks: [] });
  const cases: Record<string, string> = { [`${MAX_NODES} nodes + a comment up to 1 MiB`]: largestValid(64), '2000 upper-case hex lines': upperHex(2000) };
  for (const [name, text] of Object.entries(cases)) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-bench-'));
    const file = path.join(dir, 'config.yaml');
    writeFileSync(file, text);
    const store = await ConfigStore.open({ path: file, env: {}, logger, watch: false, backups: 0 });
    const stall: number[] = [];
    const took: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      stall.push(await stallWhile(() => store.edit((doc) => doc.setIn(['logging', 'level'], i % 2 === 0 ? 'debug' : 'info'))));
      took.push(performance.now() - t0);
    }
    store.dispose();
    rmSync(dir, { recursive: true, force: true });
    results.push(summarize(`edit (PATCH logging.level), ${name}: time`, took, 'ms'));
    results.push(summarize(`event-loop stall, edit, ${name}`, stall, 'ms'));
    worst = Math.max(worst, ...stall);
  }
  return { results, worst };
}

async function stallWhile(run: () => Promise<unknown>): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  await run();
  h.disable();
  return h.max / 1e6;
}

export async function benchConfigParse(runs = 3): Promise<BenchReport> {
  const results: BenchMetric[] = [];
  const notes: string[] = [];
  const checker = new ConfigChecker();
  await checker.check(WORST_CASES['many keys'] as string); // start the worker once
  const idle = await stallWhile(() => new Promise((r) => setTimeout(r, 500)));
  results.push(summarize('event-loop stall, idle (baseline)', [idle], 'ms'));
  let worstParse = 0;
  let worstStall = 0;
  for (const [name, text] of Object.entries(WORST_CASES)) {
    const parse: number[] = [];
    const stall: number[] = [];
    let outcome = '';
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = parseConfig(text);
      parse.push(performance.now() - t0);
      outcome = r.errors.length === 0 ? 'valid' : `invalid: ${r.errors[0]?.message.slice(0, 60)}`;
      stall.push(await stallWhile(() => checker.check(text)));
    }
    results.push(summarize(`parse ${name} (${(text.length / 1024).toFixed(0)} KiB), in thread`, parse, 'ms'));
    results.push(summarize(`event-loop stall, ${name}, via the checker`, stall, 'ms'));
    worstParse = Math.max(worstParse, ...parse);
    worstStall = Math.max(worstStall, ...stall);
    notes.push(`${name}: ${outcome}`);
  }
  checker.dispose();
  const edits = await benchEdits(runs);
  results.push(...edits.results);
  worstStall = Math.max(worstStall, edits.worst);
  results.push(summarize('worst parse, in thread', [worstParse], 'ms'));
  results.push(summarize('worst event-loop stall, checker and edits', [worstStall], 'ms'));
  notes.push(`goal: event-loop stalls under ${GOAL_STALL_MS} ms (${worstStall <= GOAL_STALL_MS ? 'met' : 'NOT met'}; compare with the idle baseline on a loaded machine)`);
  return { name: 'config parsing, worst cases near the 1 MiB cap', results, notes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchConfigParse(Number(process.argv[2] ?? 3));
  for (const x of r.results) console.log(`${x.metric}: ${x.median} ${x.unit} (${x.min}–${x.max})`);
  for (const n of r.notes) console.log(`- ${n}`);
}
