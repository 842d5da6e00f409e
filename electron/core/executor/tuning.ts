/** The executor's timings (tests shorten them). */
import { DEFAULT_BACKOFF } from './backoff.js';
import type { ServiceTuning } from './gateway.js';
import type { HealthMonitorOptions } from './health-monitor.js';
import { DEFAULT_EXECUTE_STREAMS } from './stream-client.js';
import type { SupervisorTuning } from './supervisor.js';

export interface ExecutorTuning extends SupervisorTuning, ServiceTuning {
  /** Spawn to health SERVING. */
  readyTimeoutMs: number;
  health: HealthMonitorOptions;
  metricsThrottleMs: number;
  /** Long-lived ExecuteStream streams per executor that serves them; 0 = one unary call per webhook. */
  executeStreams: number;
}

export const DEFAULT_TUNING: ExecutorTuning = {
  backoff: DEFAULT_BACKOFF,
  healthyResetMs: 10_000,
  drainTimeoutMs: 10_000,
  stopGraceMs: 3_000,
  requestWaitMs: 5_000,
  probeTimeoutMs: 2_000,
  testProbes: 5,
  readyTimeoutMs: 15_000,
  health: { intervalMs: 2_000, timeoutMs: 1_500, failuresToMark: 2 },
  metricsThrottleMs: 1_000,
  executeStreams: DEFAULT_EXECUTE_STREAMS,
};
