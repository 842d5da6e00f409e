/**
 * Async (ack: immediate) load while the whole app (headless mode and its executor, one process
 * group) is kill -9'd and started again on the same data folder, a few times. A delivery counts as
 * acknowledged when its sender got the 202 with its id; one that got no answer before the kill was
 * never acknowledged (its sender would send it again). After the last restart every acknowledged
 * delivery must have run at least once (the plugin's marker files say so): acknowledged vs run vs
 * lost, with lost = 0.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../helpers/chaos.js';
import { bundleHeadless, killAllHeadless, startHeadless, type HeadlessProcess } from '../helpers/headless-process.js';
import { markerPlugin } from '../helpers/marker-plugin.js';
import { privateTmpDir, removePrivateTmpDir, report, SYSTEM_PYTHON } from './support.js';

const TOKEN = 'chaos-async-kill-token-0123456789abcdef';
const KILLS = 3;
const SENDERS = 8;
let root = '';
let bundle = '';

beforeAll(async () => {
  root = mkdtempSync(path.join(privateTmpDir(), 'async-'));
  bundle = await bundleHeadless();
});
afterAll(async () => {
  await killAllHeadless();
  rmSync(root, { recursive: true, force: true });
  removePrivateTmpDir();
});

describe.skipIf(process.platform !== 'linux')('async load across kill -9 of the app', () => {
  it(`every acknowledged delivery runs at least once across ${KILLS} kills and restarts (lost = 0)`, async () => {
    const home = mkdtempSync(path.join(root, 'home-'));
    const plugins = path.join(home, 'plugins');
    const markers = path.join(home, 'markers');
    mkdirSync(plugins);
    mkdirSync(markers);
    writeFileSync(path.join(plugins, 'queued.py'), markerPlugin(markers, { ack: 'immediate', sleepS: 0.05 }));
    const configFile = path.join(home, 'config.yaml');
    writeFileSync(configFile, JSON.stringify({
      python: { interpreters: { system: { path: SYSTEM_PYTHON } }, active_interpreter: 'system' },
      plugins: { dirs: [plugins] },
      inbox: { retry_initial_ms: 100, retry_max_ms: 1000 },
      logging: { level: 'warn' },
    }), { mode: 0o600 });
    const start = (): Promise<HeadlessProcess> => startHeadless({ configFile, home, bundle, env: { WEBHOOK_BRIDGE_API_TOKEN: TOKEN }, args: ['--quiet'] });
    const ran = (): Set<string> => new Set(readdirSync(markers).filter((f) => !f.endsWith('.finished')).map((f) => f.split('-')[0] ?? ''));
    const acked: string[] = [];
    let unanswered = 0;
    let refused = 0;

    for (let life = 0; life < KILLS; life++) {
      const app = await start();
      let stop = false;
      const sender = async (): Promise<void> => {
        while (!stop) {
          try {
            const res = await fetch(`${app.url}/api/v1/webhook/queued`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"chaos":true}', signal: AbortSignal.timeout(5000) });
            if (res.status === 202) acked.push(((await res.json()) as { delivery_id: string }).delivery_id);
            else refused++;
          } catch {
            unanswered++; // the app died before answering: never acknowledged
            return;
          }
        }
      };
      const senders = Array.from({ length: SENDERS }, () => sender());
      const before = acked.length;
      await waitFor(() => acked.length - before >= 100, 30_000, 'acknowledged deliveries in this life');
      app.killGroup('SIGKILL');
      stop = true;
      await app.exited;
      await Promise.all(senders);
      await app.kill();
    }
    const last = await start();
    await waitFor(() => acked.every((id) => ran().has(id)), 180_000, 'every acknowledged delivery to run').catch(() => undefined);
    await sleep(200);
    const runs = ran();
    const lost = acked.filter((id) => !runs.has(id));
    report(`async load, kill -9 of the app ×${KILLS}`, null, {
      acknowledged: acked.length, run: acked.length - lost.length, lost: lost.length, 'not acknowledged (no answer before the kill)': unanswered, 'not 202': refused,
      'runs in all (at least once: repeats of interrupted ones count)': readdirSync(markers).filter((f) => !f.endsWith('.finished')).length,
    });
    await last.kill();
    expect(acked.length).toBeGreaterThanOrEqual(KILLS * 100);
    expect(lost).toEqual([]);
    expect(refused).toBe(0);
  });
});
