/**
 * Probes the serving executor's grpc.health.v1 Check every `intervalMs`, each with a deadline.
 * A failed probe is retried at once; `failuresToMark` failures in a row report the endpoint as
 * hung or gone (a SIGSTOPped executor is caught this way), and the backend replaces it. A probe
 * answered NOT_SERVING counts as failed too: the executor says so when too many plugin calls are
 * stuck past their timeout (--max-abandoned), and a restart is the only way to get them back.
 */
import type { ExecutorBackend } from './backend.js';
import type { Endpoint } from './endpoint.js';
import { errorMessage } from '../errors.js';

export interface HealthMonitorOptions {
  intervalMs: number;
  timeoutMs: number;
  failuresToMark: number;
}

export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private failures = 0;
  private probed: Endpoint | undefined;

  constructor(
    private readonly backend: () => ExecutorBackend,
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
    const ep = backend.probeTarget();
    if (ep !== this.probed) {
      this.probed = ep;
      this.failures = 0;
    }
    if (!ep) return this.schedule(this.opts.intervalMs);
    const t0 = this.now();
    try {
      const status = await ep.client.health({ deadlineMs: this.opts.timeoutMs });
      if (status !== 'SERVING') throw new Error(`health says ${status}`);
      if (this.probed === ep) {
        this.failures = 0;
        this.onLatency(Math.round((this.now() - t0) * 100) / 100);
      }
      backend.reportProbe(ep, true, '');
      this.schedule(this.opts.intervalMs);
    } catch (err) {
      if (this.probed !== ep) return this.schedule(0);
      this.failures++;
      this.onLatency(null);
      if (this.failures >= this.opts.failuresToMark) {
        backend.reportProbe(ep, false, `${this.failures} health probes failed (deadline ${this.opts.timeoutMs} ms): ${errorMessage(err)}`);
        this.failures = 0;
        this.schedule(this.opts.intervalMs);
      } else {
        this.schedule(0);
      }
    }
  }
}
