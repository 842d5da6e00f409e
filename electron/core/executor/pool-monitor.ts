/**
 * Health probes for every serving process of the backend: one `HealthMonitor` per process (each
 * with its own failure count, so one hung process is replaced while the others keep serving). A
 * new process is probed at once; a process that stops serving loses its monitor.
 */
import type { ExecutorBackend } from './backend.js';
import type { Endpoint } from './endpoint.js';
import { HealthMonitor, type HealthMonitorOptions } from './health-monitor.js';

export class PoolMonitor {
  private readonly monitors = new Map<Endpoint, HealthMonitor>();
  private readonly latency = new Map<Endpoint, number | null>();
  private running = false;

  constructor(
    private readonly backend: () => ExecutorBackend,
    private readonly opts: HealthMonitorOptions,
    private readonly now: () => number,
    /** A probe's latency changed (null: failed). */
    private readonly onLatency: () => void,
  ) {}

  start(): void {
    this.running = true;
    this.sync();
  }

  stop(): void {
    this.running = false;
    this.sync();
  }

  /** The last probe's latency of `ep` (null before the first answer, or after a failed probe). */
  latencyOf(ep: Endpoint | undefined): number | null {
    return ep ? (this.latency.get(ep) ?? null) : null;
  }

  /** Follows the backend's processes: a monitor for each new one, none for those gone. */
  sync(): void {
    const wanted = this.running ? this.backend().endpointsToProbe() : [];
    for (const [ep, monitor] of this.monitors) {
      if (wanted.includes(ep)) continue;
      monitor.stop();
      this.monitors.delete(ep);
      this.latency.delete(ep);
    }
    for (const ep of wanted) {
      if (this.monitors.has(ep)) continue;
      const monitor: HealthMonitor = new HealthMonitor(
        () => ({
          endpointToProbe: () => (this.monitors.get(ep) === monitor ? ep : undefined),
          reportProbe: (e, ok, detail) => this.backend().reportProbe(e, ok, detail),
        }),
        this.opts,
        this.now,
        (ms) => {
          this.latency.set(ep, ms);
          this.onLatency();
        },
      );
      this.monitors.set(ep, monitor);
      monitor.start();
      monitor.poke();
    }
  }
}
