/**
 * Busy is not hung (issue 12, B6): a health probe that misses its deadline counts toward "hung" only
 * when the executor answered no call at all since the previous probe. The fault (a probe that times
 * out) is injected through a fake endpoint; whether calls were answered meanwhile is its counter.
 */
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { HealthMonitor } from '../../electron/core/executor/health-monitor.js';
import type { ExecutorBackend } from '../../electron/core/executor/backend.js';
import type { Endpoint } from '../../electron/core/executor/endpoint.js';
import { ExecutorError, type HealthStatus } from '../../electron/core/executor/grpc-client.js';

function rig(probe: (client: { answered: number }) => Promise<HealthStatus>) {
  const client = { answered: 0, servingStatus: () => probe(client) };
  const ep = { client } as unknown as Endpoint;
  const reports: { ok: boolean; detail: string }[] = [];
  const backend = {
    endpointToProbe: () => ep,
    reportProbe: (_: Endpoint, ok: boolean, detail: string) => {
      reports.push({ ok, detail });
    },
  } as unknown as ExecutorBackend;
  const monitor = new HealthMonitor(() => backend, { intervalMs: 5, timeoutMs: 1_500, failuresToMark: 2, retryMs: 5 }, () => performance.now(), () => undefined);
  return { client, reports, monitor };
}

const timedOut = (): Promise<HealthStatus> => Promise.reject(new ExecutorError(grpc.status.DEADLINE_EXCEEDED, 'deadline exceeded'));

describe('health monitor: busy is not hung', () => {
  it('never marks an executor hung while it answers calls between failed probes', async () => {
    let failed = 0;
    const r = rig((client) => {
      failed++;
      client.answered += 3; // calls (or 503 refusals) answered while the probe waited
      return timedOut();
    });
    r.monitor.start();
    await expect.poll(() => failed, { timeout: 10_000 }).toBeGreaterThanOrEqual(20);
    r.monitor.stop();
    expect(r.reports.filter((x) => !x.ok)).toEqual([]);
  });

  it('marks it hung after 2 failed probes when nothing at all was answered (SIGSTOP, deadlock)', async () => {
    const r = rig(timedOut);
    r.monitor.start();
    await expect.poll(() => r.reports.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    r.monitor.stop();
    expect(r.reports[0]).toEqual({ ok: false, detail: '2 health probes failed (deadline 1500 ms): deadline exceeded' });
  });

  it('counts a NOT_SERVING answer whatever else was answered', async () => {
    const r = rig((client) => {
      client.answered += 3;
      return Promise.resolve('NOT_SERVING');
    });
    r.monitor.start();
    await expect.poll(() => r.reports.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    r.monitor.stop();
    expect(r.reports[0]).toEqual({ ok: false, detail: '2 health probes failed (deadline 1500 ms): health says NOT_SERVING' });
  });
});
