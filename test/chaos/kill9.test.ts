/**
 * kill -9 of the executor, 20 times, while webhooks arrive at 50/s over real HTTP.
 *
 * Every answer is a 2xx, or a 503 with Retry-After (a call that was running in the killed executor,
 * or one that waited for a replacement longer than it may). None outlasts its deadline:
 *   requestWaitMs (5 s, waiting for a restarting executor) + execute deadline (executor.timeout 2 s
 *   + 2 s) = 9 s, asserted with 0.5 s for HTTP on a loaded machine.
 * Serving resumes after each kill (a new pid, and 2xx answers after it); the killed process is gone
 * (reaped, not a zombie) and its socket folder removed; no executor process of ours is left without
 * its parent; after stop() none is left at all.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { executorProcesses, orphansOf, procInfo, rateTraffic, sleep, waitFor, webhookClient } from '../helpers/chaos.js';
import { removePrivateTmpDir, report, startChaosBridge, SYSTEM_PYTHON, type ChaosBridge } from './support.js';

const KILLS = 20;
const RATE = 50;
const PLUGIN_TIMEOUT_S = 2;
const REQUEST_WAIT_MS = 5_000;
const DEADLINE_MS = REQUEST_WAIT_MS + (PLUGIN_TIMEOUT_S + 2) * 1000;
const SLACK_MS = 500;
/** The backoff goes back to its first step (100 ms) after this long connected, so every kill is a "first" crash. */
const HEALTHY_RESET_MS = 1_000;

let b: ChaosBridge | undefined;
afterAll(async () => {
  await b?.stop();
  removePrivateTmpDir();
});

describe.skipIf(process.platform !== 'linux')('kill -9 of the executor under load', () => {
  it(`survives ${KILLS} kills at ${RATE} webhooks/s: 2xx or 503 + Retry-After, within ${DEADLINE_MS} ms, a new pid each time, no orphan`, async () => {
    b = await startChaosBridge({
      interpreters: () => ({ system: { path: SYSTEM_PYTHON } }),
      active: 'system',
      executor: { timeout: PLUGIN_TIMEOUT_S, max_restarts: 1000, restart_window: 60 },
      tuning: { healthyResetMs: HEALTHY_RESET_MS, requestWaitMs: REQUEST_WAIT_MS },
    });
    const bridge = b;
    expect(bridge.status().state).toBe('connected');
    const client = webhookClient(bridge.url, { timeoutMs: DEADLINE_MS + 10_000 });
    const traffic = rateTraffic(client, RATE);
    const pids: number[] = [bridge.status().pid as number];
    const recoveries: number[] = [];
    try {
      await sleep(500);
      for (let i = 0; i < KILLS; i++) {
        const pid = pids.at(-1) as number;
        const killedAt = performance.now();
        process.kill(pid, 'SIGKILL');
        recoveries.push(await waitFor(() => { const s = bridge.status(); return s.state === 'connected' && s.pid !== null && s.pid !== pid; }, 10_000, `a new executor after kill ${i + 1}`));
        const next = bridge.status().pid as number;
        pids.push(next);
        // the killed one is reaped (no zombie) and its private socket folder removed
        await waitFor(() => procInfo(pid) === null, 2_000, `pid ${pid} to be gone`);
        // serving resumed: a webhook sent after the recovery got a 2xx
        await waitFor(() => traffic.outcomes.some((o) => o.sentAt > killedAt + (recoveries.at(-1) ?? 0) && o.status === 200), 5_000, `a 2xx after kill ${i + 1}`);
        expect(bridge.status().restarts).toBe(i + 1);
        await sleep(HEALTHY_RESET_MS + 200);
      }
    } finally {
      const summary = await traffic.stop();
      client.close();
      const bad = summary.outcomes.filter((o) => !(o.status >= 200 && o.status < 300) && !(o.status === 503 && o.retryAfter !== null));
      const slow = summary.outcomes.filter((o) => o.latencyMs > DEADLINE_MS + SLACK_MS);
      const sorted = [...recoveries].sort((x, y) => x - y);
      report(`kill -9 ×${KILLS} at ${RATE}/s`, summary, {
        'deadline bound': `${DEADLINE_MS} ms (+${SLACK_MS})`,
        'recovery ms median/max': `${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)}/${Math.round(sorted.at(-1) ?? 0)}`,
        pids: pids.length,
      });
      expect(bad.map((o) => `${o.status} ${o.error ?? ''} ${o.body}`)).toEqual([]);
      expect(slow.map((o) => Math.round(o.latencyMs))).toEqual([]);
      expect(summary.ok).toBeGreaterThan(summary.sent * 0.8);
    }
    expect(new Set(pids).size).toBe(KILLS + 1);
    // exactly one executor of ours runs, as this process's child; every killed one is gone
    await waitFor(() => executorProcesses(bridge.marker).length === 1, 5_000, 'one executor');
    const ours = executorProcesses(bridge.marker);
    expect(ours.map((p) => p.pid)).toEqual([pids.at(-1)]);
    expect(orphansOf(ours, process.pid)).toEqual([]);
    expect(pids.slice(0, -1).filter((p) => procInfo(p) !== null)).toEqual([]);
    expect(bridge.socketDirs()).toHaveLength(1);
    await bridge.stop();
    expect(executorProcesses(bridge.marker)).toEqual([]);
    expect(bridge.socketDirs()).toEqual([]);
  });
});
