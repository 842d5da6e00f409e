/**
 * SIGSTOP of the executor (a hung process: its socket still accepts, nothing answers) while
 * webhooks arrive at 50/s, with the shipped health settings (probe every 2 s, 1.5 s deadline, 2
 * failures in a row) and the default plugin timeout (30 s, so a call left to its own deadline would
 * hang 32 s).
 *
 * - the health probes time out and the executor is marked hung within
 *   interval + failuresToMark × timeout = 5 s (asserted with 1 s of slack);
 * - it is replaced (new pid) and the stopped process is killed, not left stopped;
 * - meanwhile requests fail fast instead of hanging: every answer is a 2xx or a 503 + Retry-After,
 *   none takes longer than the detection bound + the restart (asserted: 7 s), far below 32 s.
 * Done 3 times in a row.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TUNING } from '../../electron/core/executor/tuning.js';
import { executorProcesses, orphansOf, procInfo, rateTraffic, sleep, waitFor, webhookClient } from '../helpers/chaos.js';
import { removePrivateTmpDir, report, startChaosBridge, SYSTEM_PYTHON, type ChaosBridge } from './support.js';

const ROUNDS = 3;
const RATE = 50;
const { intervalMs, timeoutMs, failuresToMark } = DEFAULT_TUNING.health;
const DETECT_MS = intervalMs + failuresToMark * timeoutMs;
const DETECT_SLACK_MS = 1_000;
const LATENCY_BOUND_MS = DETECT_MS + 2_000;

let b: ChaosBridge | undefined;
afterAll(async () => {
  await b?.stop();
  removePrivateTmpDir();
});

describe.skipIf(process.platform !== 'linux')('SIGSTOP of the executor', () => {
  it(`is detected within ${DETECT_MS} ms, replaced and killed; requests meanwhile answer within ${LATENCY_BOUND_MS} ms`, async () => {
    b = await startChaosBridge({ interpreters: () => ({ system: { path: SYSTEM_PYTHON } }), active: 'system', executor: { max_restarts: 100 } });
    const bridge = b;
    expect(bridge.status().state).toBe('connected');
    const client = webhookClient(bridge.url, { timeoutMs: 40_000 });
    const traffic = rateTraffic(client, RATE);
    const detections: number[] = [];
    const replacements: number[] = [];
    const stopped: number[] = [];
    try {
      for (let i = 0; i < ROUNDS; i++) {
        await sleep(1_000);
        const pid = bridge.status().pid as number;
        stopped.push(pid);
        process.kill(pid, 'SIGSTOP');
        const t0 = performance.now();
        detections.push(await waitFor(() => bridge.status().pid !== pid || bridge.status().state !== 'connected', DETECT_MS + DETECT_SLACK_MS, `round ${i + 1}: the hung executor to be noticed`));
        await waitFor(() => { const s = bridge.status(); return s.state === 'connected' && s.pid !== null && s.pid !== pid; }, 10_000, `round ${i + 1}: a replacement`);
        replacements.push(performance.now() - t0);
        expect(bridge.status().last_error).toMatch(new RegExp(`pid ${pid}\\) stopped answering: ${failuresToMark} health probes failed \\(deadline ${timeoutMs} ms\\)`));
        // killed, not left stopped (and reaped)
        await waitFor(() => procInfo(pid) === null, 3_000, `round ${i + 1}: the stopped pid ${pid} to be gone`);
      }
      await sleep(1_000);
    } finally {
      const summary = await traffic.stop();
      client.close();
      for (const pid of stopped) if (procInfo(pid)) process.kill(pid, 'SIGKILL');
      const bad = summary.outcomes.filter((o) => !(o.status >= 200 && o.status < 300) && !(o.status === 503 && o.retryAfter !== null));
      const slow = summary.outcomes.filter((o) => o.latencyMs > LATENCY_BOUND_MS);
      report(`SIGSTOP ×${ROUNDS} at ${RATE}/s`, summary, {
        'detected after ms': detections.map(Math.round),
        'serving again after ms': replacements.map(Math.round),
        'detection bound': `${DETECT_MS} ms (+${DETECT_SLACK_MS})`,
        'latency bound': `${LATENCY_BOUND_MS} ms`,
      });
      expect(bad.map((o) => `${o.status} ${o.error ?? ''} ${o.body}`)).toEqual([]);
      expect(slow.map((o) => Math.round(o.latencyMs))).toEqual([]);
    }
    expect(replacements).toHaveLength(ROUNDS);
    const ours = executorProcesses(bridge.marker);
    expect(ours.map((p) => p.pid)).toEqual([bridge.status().pid]);
    expect(orphansOf(ours, process.pid)).toEqual([]);
    expect(bridge.socketDirs()).toHaveLength(1);
  });
});
