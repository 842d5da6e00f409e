/**
 * Probes one serving executor's grpc.health.v1 Check every `intervalMs`, each with a deadline.
 * `failuresToMark` failed probes in a row report the endpoint as hung or gone (a SIGSTOPped
 * executor is caught this way, within intervalMs + failuresToMark × timeoutMs), and the backend
 * replaces it. A failed probe is retried after `retryMs` (default at once, which keeps that bound).
 *
 * Busy is not hung: a probe that timed out counts only if the executor answered no call at all
 * meanwhile (its client's `answered` counter did not move while the probe waited, or since the
 * previous counted failure: no result, no in-band 503 refusal). Under a burst of hundreds of calls,
 * grpcio's one polling thread can make a probe miss its deadline while calls are answered all
 * along; a stopped or deadlocked process answers nothing. A probe answered NOT_SERVING always
 * counts: the executor says so when too many plugin calls are stuck past their timeout
 * (--max-abandoned), and a restart is the only way out.
 */
import type { ExecutorBackend } from './backend.js';
import type { Endpoint } from './endpoint.js';
import { errorMessage } from '../app-error.js';
import { answeredByExecutor, ExecutorError } from '../executor/grpc-client.js';

export interface HealthMonitorOptions {
  intervalMs: number;
  timeoutMs: number;
  failuresToMark: number;
  /** Delay before a failed probe's retry (default 0: at once). */
  retryMs?: number;
}

export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private failures = 0;
  private probed: Endpoint | undefined;
  /** The probed client's `answered` when this probe started, or when the previous counted failure ended. */
  private answeredMark = 0;

  constructor(
    /** What to probe (one process: a pool has a monitor per process) and whom to tell. */
    private readonly backend: () => Pick<ExecutorBackend, 'endpointToProbe' | 'reportProbe'>,
    private readonly opts: HealthMonitorOptions,
    private readonly now: () => number,
    private readonly onLatency: (ms: number | null) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(this.opts.intervalMs);
  }

  /** Probe soon (a new executor took over). */
  poke(): void {
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const backend = this.backend();
    const ep = backend.endpointToProbe();
    if (ep !== this.probed) {
      this.probed = ep;
      this.failures = 0;
    }
    if (!ep) return this.schedule(this.opts.intervalMs);
    if (this.failures === 0) this.answeredMark = ep.client.answered;
    const t0 = this.now();
    let answeredStatus = false;
    try {
      const status = await ep.client.servingStatus({ deadlineMs: this.opts.timeoutMs });
      answeredStatus = true;
      if (status !== 'SERVING') throw new Error(`health says ${status}`);
      if (this.probed === ep) {
        this.failures = 0;
        this.onLatency(Math.round((this.now() - t0) * 100) / 100);
      }
      backend.reportProbe(ep, true, '');
      this.schedule(this.opts.intervalMs);
    } catch (err) {
      if (this.probed !== ep) return this.schedule(0);
      const answered = ep.client.answered;
      // a probe the executor answered (NOT_SERVING, or an error only it gives) always counts
      if (err instanceof ExecutorError && answeredByExecutor(err.grpcCode)) answeredStatus = true;
      const progressed = answered !== this.answeredMark;
      this.answeredMark = answered;
      this.onLatency(null);
      if (!answeredStatus && progressed) {
        // slow, not stopped: calls were answered while it waited
        this.failures = 0;
        return this.schedule(this.retryMs());
      }
      this.failures++;
      if (this.failures >= this.opts.failuresToMark) {
        backend.reportProbe(ep, false, `${this.failures} health probes failed (deadline ${this.opts.timeoutMs} ms): ${errorMessage(err)}`);
        this.failures = 0;
        this.schedule(this.opts.intervalMs);
      } else {
        this.schedule(this.retryMs());
      }
    }
  }

  private retryMs(): number {
    return this.opts.retryMs ?? 0;
  }
}
