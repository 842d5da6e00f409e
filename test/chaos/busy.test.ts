/**
 * Busy is not hung (issue 12, B6): bursts of 30, 100 and 300 concurrent webhooks to a plugin that
 * takes 5 s, five bursts within a minute, with the shipped settings (64 threads, a queue of 64
 * waiting at most 10 s; health probe every 2 s, 1.5 s deadline, 2 failures in a row; 5 restarts
 * within 60 s make `failed`).
 *
 * - the executor is never killed: the same pid throughout, no restart, never `reconnecting` or
 *   `failed`, and the log never says a health probe failed;
 * - every webhook is answered 200 (it ran), or 503 with Retry-After (no thread in time): none is
 *   left without an answer;
 * - the first burst of 30 (fewer than threads + queue, each waiting one plugin run at most) is all 200;
 * - each burst has at least min(burst, threads) answered 200 (a thread each, the previous burst done).
 * Then busy and stopped is still hung: a SIGSTOP in the middle of one more burst is detected by the
 * health probes and the executor replaced, as with no load (test/chaos/sigstop.test.ts).
 * Before the fix, the gRPC server threads all waited for plugin threads, the health probes queued
 * behind them, and the executor was killed as hung at the first burst.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../shared/dto/connection.js';
import { EXECUTOR_CONCURRENCY_DEFAULTS } from '../../shared/dto/config.js';
import { procInfo, sleep, summarizeTraffic, waitFor, webhookClient, type Outcome } from '../helpers/chaos.js';
import { removePrivateTmpDir, report, startChaosBridge, SYSTEM_PYTHON, type ChaosBridge } from './support.js';

const BURSTS = [30, 100, 300, 30, 100];
const BURST_EVERY_MS = 12_000;
const PLUGIN_S = 5;

let b: ChaosBridge | undefined;
afterAll(async () => {
  await b?.stop();
  removePrivateTmpDir();
});

describe.skipIf(process.platform !== 'linux')('bursts of slow webhooks (busy is not hung)', () => {
  it(`keeps one executor serving through bursts of ${BURSTS.join(', ')} concurrent ${PLUGIN_S} s calls, ${BURST_EVERY_MS / 1000} s apart; a SIGSTOP mid-burst is still caught`, async () => {
    b = await startChaosBridge({ interpreters: () => ({ system: { path: SYSTEM_PYTHON } }), active: 'system', plugins: ['busy.py'] });
    const bridge = b;
    expect(bridge.status().state).toBe('connected');
    const pid = bridge.status().pid;
    const states = new Set<ConnectionState>();
    const sub = bridge.bridge.core.events.on('connectionChanged', (s) => void states.add(s.state));
    const probeFailures: string[] = [];
    const logSub = bridge.bridge.core.logs.onDidAppend((e) => {
      if (/health probes? failed|stopped answering/.test(e.message)) probeFailures.push(e.message);
    });
    const client = webhookClient(bridge.url, { plugin: 'busy', timeoutMs: 90_000 });
    const bursts: Promise<Outcome[]>[] = [];
    try {
      for (const [i, n] of BURSTS.entries()) {
        if (i > 0) await sleep(BURST_EVERY_MS);
        bursts.push(Promise.all(Array.from({ length: n }, () => client.send())));
      }
      const results = await Promise.all(bursts);
      for (const [i, outcomes] of results.entries()) {
        const t = summarizeTraffic(outcomes);
        report(`burst ${i + 1}: ${BURSTS[i]} concurrent ${PLUGIN_S} s webhooks`, t);
      }
      const all = results.flat();
      const bad = all.filter((o) => o.status !== 200 && !(o.status === 503 && o.retryAfter !== null));
      expect(bad.map((o) => `${o.status} ${o.error ?? ''} ${o.body}`)).toEqual([]);
      expect(results[0]?.map((o) => o.status)).toEqual(Array(BURSTS[0]).fill(200));
      const { threads } = EXECUTOR_CONCURRENCY_DEFAULTS;
      expect(results.map((r) => r.filter((o) => o.status === 200).length >= Math.min(r.length, threads))).toEqual(BURSTS.map(() => true));
      const busy = all.filter((o) => o.status === 503);
      for (const o of busy) expect(o.body).toMatch(/the executor is busy/);
      const s = bridge.status();
      expect({ state: s.state, pid: s.pid, restarts: s.restarts, probeFailures }).toEqual({ state: 'connected', pid, restarts: 0, probeFailures: [] });
      expect([...states].filter((x) => x !== 'connected')).toEqual([]);

      // busy and stopped is hung
      const during = Promise.all(Array.from({ length: 100 }, () => client.send()));
      await sleep(1_000);
      process.kill(pid as number, 'SIGSTOP');
      await waitFor(() => { const x = bridge.status(); return x.state === 'connected' && x.pid !== null && x.pid !== pid; }, 30_000, 'a replacement for the stopped busy executor');
      expect(bridge.status().last_error).toMatch(new RegExp(`pid ${pid}\\) stopped answering: 2 health probes failed`));
      await waitFor(() => procInfo(pid as number) === null, 5_000, `the stopped pid ${pid} to be gone`);
      const outcomes = await during;
      report('SIGSTOP during a burst of 100', summarizeTraffic(outcomes));
      expect(outcomes.filter((o) => o.status !== 200 && !(o.status === 503 && o.retryAfter !== null)).map((o) => `${o.status} ${o.error ?? ''}`)).toEqual([]);
    } finally {
      sub.dispose();
      logSub.dispose();
      client.close();
      if (pid !== null && procInfo(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
