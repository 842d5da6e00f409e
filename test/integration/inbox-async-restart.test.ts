/**
 * ack: immediate across a SIGKILL of the whole app (headless mode and its executor, one process
 * group) and a restart on the same data folder: every delivery answered 202 runs at least once —
 * the ones that were queued and the ones that were running when the app died — none is lost. What
 * ran is read from the marker files the plugin writes, named by the delivery id it is told.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../shared/dto/deliveries.js';
import { waitFor } from '../helpers/chaos.js';
import { SYSTEM_PYTHON, tempDir } from '../helpers/executor.js';
import { bundleHeadless, killAllHeadless, startHeadless, type HeadlessProcess } from '../helpers/headless-process.js';
import { markerPlugin } from '../helpers/marker-plugin.js';

const TOKEN = 'async-restart-test-token-4f9a1c';
const N = 30;

describe('ack: immediate survives kill -9 of the app', () => {
  const home = tempDir('wb-async-kill-');
  afterAll(async () => {
    await killAllHeadless();
    rmSync(home, { recursive: true, force: true });
  });

  it('runs every acknowledged delivery at least once after a SIGKILL and a restart', async () => {
    const plugins = path.join(home, 'plugins');
    const markers = path.join(home, 'markers');
    mkdirSync(plugins);
    mkdirSync(markers);
    writeFileSync(path.join(plugins, 'durable.py'), markerPlugin(markers, { ack: 'immediate', sleepS: 1 }));
    const configFile = path.join(home, 'config.yaml');
    writeFileSync(configFile, JSON.stringify({
      python: { interpreters: { system: { path: SYSTEM_PYTHON } }, active_interpreter: 'system' },
      plugins: { dirs: [plugins] },
      inbox: { retry_initial_ms: 50, retry_max_ms: 500 },
    }), { mode: 0o600 });
    const bundle = await bundleHeadless();
    const start = (): Promise<HeadlessProcess> => startHeadless({ configFile, home, bundle, env: { WEBHOOK_BRIDGE_API_TOKEN: TOKEN } });
    const ranIds = (): Set<string> => new Set(readdirSync(markers).filter((f) => !f.endsWith('.finished')).map((f) => f.split('-')[0] ?? ''));

    const first = await start();
    const acked: string[] = [];
    for (let i = 0; i < N; i++) {
      const res = await fetch(`${first.url}/api/v1/webhook/durable`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i }) });
      expect(res.status).toBe(202);
      acked.push(((await res.json()) as { delivery_id: string }).delivery_id);
    }
    await first.kill();
    const before = ranIds();
    // with 1 s per run and at most 8 at once, most had not started: the restart must run them
    expect(acked.filter((id) => !before.has(id)).length).toBeGreaterThan(0);

    const second = await start();
    await waitFor(() => acked.every((id) => ranIds().has(id)), 90_000, 'every acknowledged delivery to run');
    const states: Delivery[] = [];
    for (const id of acked) {
      let d: Delivery | undefined;
      for (let k = 0; k < 600 && d?.state !== 'done'; k++) {
        const res = await fetch(`${second.url}/api/dashboard/deliveries/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        d = (await res.json()) as Delivery;
        if (d.state !== 'done') await new Promise((r) => setTimeout(r, 100));
      }
      if (d) states.push(d);
    }
    const lost = acked.filter((id) => !ranIds().has(id));
    console.log(`acknowledged ${acked.length}, ran before the kill ${acked.filter((id) => before.has(id)).length}, ran in all ${acked.length - lost.length}, lost ${lost.length}`);
    expect(lost).toEqual([]);
    expect(states.map((d) => d.state)).toEqual(acked.map(() => 'done'));
    // the ones running when the app died show the interrupted attempt, then the one that finished
    const interrupted = states.filter((d) => d.attempts.some((a) => a.error?.message.includes('the app stopped')));
    for (const d of interrupted) expect(d.attempts.at(-1)?.status).toBe(200);
    await second.kill();
  });
});
