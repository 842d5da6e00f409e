/**
 * ack: immediate (issue 15): how soon the plugin runs after the 202. Headless mode in this process,
 * a real executor; the plugin writes `time.time()` when it starts, in a file named by the delivery id
 * it is told. Sequential webhooks (c=1) and bursts of 8 concurrent ones; per delivery: the sender's
 * wait for the 202, and the time from the 202 to the plugin running (negative: the queue started it
 * before the 202 reached the sender).
 *
 *   npx tsx test/bench/async.bench.ts [deliveries]
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startBridge } from '../../electron/app.js';
import { summarize, type BenchMetric, type BenchReport } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = '/usr/bin/python3';
const wallMs = (): number => performance.timeOrigin + performance.now();

const PLUGIN = (markers: string): string => `import os, time
from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
    ack = "immediate"

    def post(self, request):
        started = time.time()
        with open(os.path.join(${JSON.stringify(markers)}, request.headers.get("X-Webhook-Bridge-Delivery", "none")), "w") as f:
            f.write(repr(started))
        return {"ok": True}
`;

const pct = (values: number[], p: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? 0;
};

export async function benchAsync(deliveries = 300): Promise<BenchReport> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-bench-async-'));
  const plugins = path.join(dir, 'plugins');
  const markers = path.join(dir, 'markers');
  mkdirSync(plugins);
  mkdirSync(markers);
  writeFileSync(path.join(plugins, 'later.py'), PLUGIN(markers));
  const configFile = path.join(dir, 'config.yaml');
  writeFileSync(configFile, JSON.stringify({ python: { interpreters: { system: { path: PYTHON } }, active_interpreter: 'system' }, plugins: { dirs: [plugins] }, logging: { level: 'warn' } }), { mode: 0o600 });
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'c'), XDG_STATE_HOME: path.join(dir, 's'), XDG_DATA_HOME: path.join(dir, 'd') };
  const bridge = await startBridge({ configFlag: configFile, port: 0, host: '127.0.0.1', env, home: dir, fileLog: false, resourcesDir: path.join(ROOT, 'resources') });
  const results: BenchMetric[] = [];
  const notes: string[] = [];
  try {
    const acked = new Map<string, { sentMs: number; ackMs: number }>();
    const send = async (): Promise<void> => {
      const sentMs = wallMs();
      const res = await fetch(`${bridge.url}/api/v1/webhook/later`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"bench":true}' });
      const ackMs = wallMs();
      if (res.status !== 202) throw new Error(`expected 202, got ${res.status}: ${await res.text()}`);
      acked.set(((await res.json()) as { delivery_id: string }).delivery_id, { sentMs, ackMs });
    };
    for (let i = 0; i < 20; i++) await send(); // warm: the plugin loaded, its ack known
    const measure = async (label: string, run: () => Promise<void>): Promise<void> => {
      acked.clear();
      await run();
      const t0 = Date.now();
      while (readdirSync(markers).filter((f) => acked.has(f)).length < acked.size) {
        if (Date.now() - t0 > 120_000) throw new Error('deliveries did not run within 120 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      const toAck: number[] = [];
      const toRun: number[] = [];
      for (const [id, t] of acked) {
        const startedMs = Number(readFileSync(path.join(markers, id), 'utf8')) * 1000;
        toAck.push(t.ackMs - t.sentMs);
        toRun.push(startedMs - t.ackMs);
      }
      results.push(summarize(`send → 202, ${label}, p50`, [pct(toAck, 50)], 'ms'), summarize(`send → 202, ${label}, p99`, [pct(toAck, 99)], 'ms'));
      results.push(summarize(`202 → plugin running, ${label}, p50`, [pct(toRun, 50)], 'ms'), summarize(`202 → plugin running, ${label}, p99`, [pct(toRun, 99)], 'ms'));
    };
    await measure('c=1', async () => {
      for (let i = 0; i < deliveries; i++) await send();
    });
    await measure('bursts of 8', async () => {
      for (let i = 0; i < deliveries / 8; i++) await Promise.all(Array.from({ length: 8 }, () => send()));
    });
    notes.push(`${deliveries} deliveries each way; the plugin's time.time() at its start vs the sender's clock when the 202 arrived (same machine clock); negative = started before the 202 reached the sender`);
  } finally {
    await bridge.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { name: 'async', results, notes };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await benchAsync(Number(process.argv[2] ?? 300));
  for (const r of report.results) console.log(`${r.metric}: ${r.median} ${r.unit}`);
  for (const n of report.notes) console.log(n);
}
