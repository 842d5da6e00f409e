/**
 * The inbox's list query over 100,000 stored deliveries (issue 15: p50 under 20 ms), without a
 * filter and with each kind of filter, the page the Deliveries page asks for (50 newest first),
 * plus the dedup lookup a webhook with a provider delivery id costs. The database is the real one
 * (openInboxDb: WAL, migrations), filled in transactions of 5,000 rows.
 *
 *   npx tsx test/bench/inbox.bench.ts [rows]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DeliveryFilter } from '../../shared/dto/deliveries.js';
import { openInboxDb } from '../../electron/core/inbox/db.js';
import { IdGenerator, idTime } from '../../electron/core/inbox/ids.js';
import { DeliveryStore } from '../../electron/core/inbox/store.js';
import type { DeliveryRecord } from '../../electron/core/inbox/types.js';
import { summarize, type BenchGoal, type BenchMetric, type BenchReport } from './report.js';

const GOAL_MS = 20;
const PLUGINS = ['github_push', 'stripe_billing', 'slack_events', 'shopify_orders', 'echo', 'ci', 'deploy', 'alerts', 'rare'];
const PROVIDERS = [['github', 'push'], ['github', 'pull_request'], ['stripe', 'invoice.paid'], ['slack', 'message'], ['shopify', 'orders/create'], [null, null]] as const;

function recordAt(id: string, i: number): DeliveryRecord {
  // 'rare' gets 1 in 1000; 5xx 1 in 50
  const plugin = i % 1000 === 0 ? 'rare' : (PLUGINS[i % (PLUGINS.length - 1)] ?? 'echo');
  const [provider, event] = PROVIDERS[i % PROVIDERS.length] ?? [null, null];
  const status = i % 50 === 0 ? 500 : i % 7 === 0 ? 401 : 200;
  const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', n: i, repository: { full_name: `acme/repo-${i % 300}` }, pad: 'x'.repeat(300 + (i % 400)) }));
  return {
    id, receivedMs: idTime(id), method: 'POST', path: `/api/v1/webhook/${plugin}`, query: i % 3 === 0 ? `a=${i}` : '',
    headers: [['Content-Type', 'application/json'], ['User-Agent', 'GitHub-Hookshot/abc'], ['X-Request-Id', `req-${i}`]], body, contentType: 'application/json',
    remoteAddress: '127.0.0.1', plugin, interpreter: 'system', executorGeneration: 1, executorPid: 4242, state: 'done', status, durationMs: 2 + (i % 40),
    response: { headers: [['X-Answer', 'yes']], body: Buffer.from('{"ok":true}'), size: 11, contentType: 'application/json' },
    error: status >= 500 ? { code: 'PLUGIN_FAILED', message: 'boom' } : null, signature: 'not_checked', provider, event,
    providerDeliveryId: provider ? `${provider}-${i}` : null, attempt: 1, replayOf: null, nextAttemptMs: null,
    attempts: [{ attempt: 1, started_at: new Date(idTime(id)).toISOString(), finished_at: new Date(idTime(id) + 3).toISOString(), status, duration_ms: 3, error: null, executor_pid: 4242, executor_generation: 1 }],
    logs: [{ attempt: 1, level: 'INFO', message: `handled ${i}`, at_ms: 1 }],
  };
}

function timeRuns(runs: number, fn: () => void): number[] {
  const out: number[] = [];
  fn(); // warm: the statement prepared, the pages in the cache, as they are in a running app
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export async function benchInbox(rows = 100_000, runs = 41): Promise<BenchReport> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-bench-inbox-'));
  const log = { info: () => undefined, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
  const file = path.join(dir, 'inbox', 'deliveries.db');
  const store = new DeliveryStore(openInboxDb(file, log, () => new Date()));
  const results: BenchMetric[] = [];
  const notes: string[] = [];
  const goals: BenchGoal[] = [];
  try {
    // a day of deliveries, oldest first, in transactions of 5,000
    const start = Date.now() - 86_400_000;
    const ids = new IdGenerator(() => start + Math.floor((idx * 86_400_000) / rows));
    let idx = 0;
    const t0 = performance.now();
    for (let batch = 0; batch < rows; batch += 5000) {
      const records: DeliveryRecord[] = [];
      for (idx = batch; idx < Math.min(rows, batch + 5000); idx++) records.push(recordAt(ids.next(), idx));
      store.write(records);
    }
    const fillMs = performance.now() - t0;
    results.push({ metric: `fill ${rows} deliveries (transactions of 5000)`, median: Math.round(fillMs), min: Math.round(fillMs), max: Math.round(fillMs), unit: 'ms' });
    const mid = new Date(start + 43_200_000).toISOString();
    const cursor = store.query({ limit: 50 }).next_cursor ?? undefined;
    const cases: Array<[string, DeliveryFilter]> = [
      ['no filter', {}],
      ['next page (cursor)', cursor ? { cursor } : {}],
      ['plugin', { plugin: 'github_push' }],
      ['plugin, rare (1 in 1000)', { plugin: 'rare' }],
      ['status class 5xx (1 in 50)', { status: '5xx' }],
      ['provider + event', { provider: 'stripe', event: 'invoice.paid' }],
      ['time range (until the middle)', { until: mid }],
      ['text search, common term', { q: 'refs/heads/main' }],
      ['text search, rare term (1 row)', { q: '"n":99999,' }],
    ];
    for (const [label, filter] of cases) {
      const times = timeRuns(runs, () => {
        const page = store.query({ ...filter, limit: 50 });
        if (page.items.length === 0 && label !== 'text search, rare term (1 row)') throw new Error(`no rows for ${label}`);
      });
      results.push(summarize(`list 50 of ${rows}: ${label}`, times, 'ms'));
    }
    const dedup = timeRuns(runs * 10, () => {
      store.findDuplicate({ plugin: 'github_push', provider: 'github', providerDeliveryId: `github-${rows - 48}` }, start);
    });
    results.push(summarize(`dedup lookup among ${rows}`, dedup, 'ms'));
    const p50 = (label: string): number => results.find((r) => r.metric === `list 50 of ${rows}: ${label}`)?.median ?? Number.NaN;
    const plain = p50('no filter');
    const filtered = Math.max(p50('plugin'), p50('status class 5xx (1 in 50)'), p50('provider + event'), p50('plugin, rare (1 in 1000)'));
    goals.push({ goal: `list query over ${rows} stored deliveries, no filter: p50 < ${GOAL_MS} ms`, measured: `${plain} ms`, met: plain < GOAL_MS });
    goals.push({ goal: `list query over ${rows} stored deliveries, with a filter (plugin, status, provider/event): p50 < ${GOAL_MS} ms`, measured: `${filtered} ms (slowest of them)`, met: filtered < GOAL_MS });
    const bytes = statSync(file).size + (() => { try { return statSync(`${file}-wal`).size; } catch { return 0; } })();
    notes.push(`${rows} deliveries of ~0.5-1 KiB body each, ${Math.round(bytes / 1024 / 1024)} MiB on disk; each query is the Deliveries page's (50 newest first, summary columns) on a warm cache, ${runs} runs.`);
    notes.push('Schema 4 made deliveries a rowid table: as WITHOUT ROWID (schema 1-3) whole rows sat in the B-tree\'s interior pages, each index hit descended a deep tree (~35 µs a row), and on this machine the filtered pages took 8-22 ms (plugin, provider/event) and the file ~4.7 KiB a delivery. The 5xx page has no index of its own: it walks the id index and reads rows until 50 match (1 in 50 here).');
    notes.push('Text search is instr() over every row\'s lower-cased search column: a term that matches few rows reads the whole table, so it is not held to the goal.');
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { name: 'inbox', results, notes, goals };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = Number(process.argv[2] ?? 100_000);
  const report = await benchInbox(rows);
  console.log(JSON.stringify(report, null, 2));
}

