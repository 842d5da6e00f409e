/**
 * Busy is not hung at 1000 concurrent calls (issue 12, B6). With 1000 concurrent 5 s webhooks, grpcio's
 * one polling thread answers the refusals one by one and a health probe can miss its 1.5 s deadline
 * twice in a row, which killed the executor as hung (a reviewer's repro, probes every 500 ms: N=1000
 * failed 2 probes in a row, 3336 and 1544 ms). A failed probe now counts only when the executor
 * answered nothing at all since the previous probe: two bursts of 1000 leave the same executor
 * serving, and a SIGSTOP during a third burst (nothing answered any more) is still caught as hung.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { EXECUTOR_CONCURRENCY_DEFAULTS } from '../../shared/dto/config.js';
import { procInfo, sleep, summarizeTraffic, waitFor, webhookClient, type Outcome } from '../helpers/chaos.js';
import { removePrivateTmpDir, report, startChaosBridge, SYSTEM_PYTHON, type ChaosBridge } from './support.js';

const BURST = 1000;
// the reviewer's probe pace: a probe every 500 ms, 1.5 s deadline, 2 failures in a row mark it hung
const HEALTH = { intervalMs: 500, timeoutMs: 1_500, failuresToMark: 2 };

let b: ChaosBridge | undefined;
afterAll(async () => {
  await b?.stop();
  removePrivateTmpDir();
});

describe.skipIf(process.platform !== 'linux')(`bursts of ${BURST} slow webhooks`, () => {
  it(`keeps one executor serving through two bursts of ${BURST} concurrent 5 s calls (probes every 500 ms); a SIGSTOP during a third is caught`, async () => {
    b = await startChaosBridge({ interpreters: () => ({ system: { path: SYSTEM_PYTHON } }), active: 'system', plugins: ['busy.py'], tuning: { health: HEALTH } });
    const bridge = b;
    const pid = bridge.status().pid;
    const probeFailures: string[] = [];
    const logSub = bridge.bridge.core.logs.onDidAppend((e) => {
      if (/health probes? failed|stopped answering/.test(e.message)) probeFailures.push(e.message);
    });
    const client = webhookClient(bridge.url, { plugin: 'busy', timeoutMs: 90_000 });
    const ok = (o: Outcome): boolean => o.status === 200 || (o.status === 503 && o.retryAfter !== null);
    try {
      for (const round of [1, 2]) {
        const outcomes = await Promise.all(Array.from({ length: BURST }, () => client.send()));
        report(`burst ${round}: ${BURST} concurrent 5 s webhooks, probes every ${HEALTH.intervalMs} ms`, summarizeTraffic(outcomes));
        expect(outcomes.filter((o) => !ok(o)).map((o) => `${o.status} ${o.error ?? ''} ${o.body}`)).toEqual([]);
        expect(outcomes.filter((o) => o.status === 200).length).toBeGreaterThanOrEqual(EXECUTOR_CONCURRENCY_DEFAULTS.threads);
        const s = bridge.status();
        expect({ state: s.state, pid: s.pid, restarts: s.restarts, probeFailures }).toEqual({ state: 'connected', pid, restarts: 0, probeFailures: [] });
      }

      // busy and stopped is hung: nothing is answered any more, so the failed probes count
      const during = Promise.all(Array.from({ length: BURST }, () => client.send()));
      await sleep(1_000);
      process.kill(pid as number, 'SIGSTOP');
      await waitFor(() => { const x = bridge.status(); return x.state === 'connected' && x.pid !== null && x.pid !== pid; }, 60_000, 'a replacement for the stopped busy executor');
      expect(bridge.status().last_error).toMatch(new RegExp(`pid ${pid}\\) stopped answering: 2 health probes failed`));
      await waitFor(() => procInfo(pid as number) === null, 5_000, `the stopped pid ${pid} to be gone`);
      const outcomes = await during;
      report(`SIGSTOP during a burst of ${BURST}`, summarizeTraffic(outcomes));
      expect(outcomes.filter((o) => !ok(o)).map((o) => `${o.status} ${o.error ?? ''}`)).toEqual([]);
    } finally {
      logSub.dispose();
      client.close();
      if (pid !== null && procInfo(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
