/**
 * The executor connection as the UI sees it: state, process details, health latency and request
 * statistics, pushed as `connectionChanged` with an increasing revision. State changes go out at
 * once; metric-only changes (requests, latency) at most once per `metricsThrottleMs`.
 */
import type { ConnectionStatus } from '../../../shared/dto/connection.js';
import type { Disposable, EventBus } from '../events.js';
import type { ExecutorBackend } from './backend.js';
import { boundedTail } from './stderr-tail.js';
import { HealthMonitor, type HealthMonitorOptions } from './health-monitor.js';
import { RequestStatsTracker } from './request-stats.js';

export interface ConnectionManagerDeps {
  events: Pick<EventBus, 'emit'>;
  /** Monotonic ms. */
  now: () => number;
  redact: (text: string) => string;
  monitor: HealthMonitorOptions;
  metricsThrottleMs: number;
}

export class ConnectionManager {
  readonly stats: RequestStatsTracker;
  private backendValue: ExecutorBackend;
  private sub: Disposable | undefined;
  private revision = 0;
  private latency: number | null = null;
  private lastShape = '';
  private lastPid: number | null = null;
  private lastMetrics = '';
  private metricsTimer: NodeJS.Timeout | undefined;
  private readonly monitor: HealthMonitor;
  private running = false;

  constructor(
    backend: ExecutorBackend,
    private readonly deps: ConnectionManagerDeps,
  ) {
    this.backendValue = backend;
    this.stats = new RequestStatsTracker(deps.now);
    this.monitor = new HealthMonitor(() => this.backendValue, deps.monitor, deps.now, (ms) => {
      this.latency = ms;
      this.metricsChanged();
    });
    this.subscribe();
  }

  get backend(): ExecutorBackend {
    return this.backendValue;
  }

  /** Follows another backend (executor.mode changed). */
  setBackend(backend: ExecutorBackend): void {
    this.sub?.dispose();
    this.backendValue = backend;
    this.latency = null;
    this.subscribe();
    this.changed();
  }

  private subscribe(): void {
    this.sub = this.backendValue.onDidChange(() => this.changed());
  }

  start(): void {
    this.running = true;
    this.monitor.start();
  }

  stop(): void {
    this.running = false;
    this.monitor.stop();
    clearTimeout(this.metricsTimer);
    this.metricsTimer = undefined;
  }

  dispose(): void {
    this.stop();
    this.sub?.dispose();
  }

  status(): ConnectionStatus {
    const snap = this.backendValue.snapshot();
    const ep = snap.current;
    const interp = ep?.interpreter ?? snap.target;
    const tail = ep ? ep.stderrTail() : snap.failureTail;
    return {
      revision: this.revision,
      state: snap.state,
      mode: snap.mode,
      interpreter: interp?.key ?? null,
      interpreter_path: interp?.path ?? null,
      pid: ep?.pid ?? null,
      generation: ep?.generation ?? 0,
      address: ep?.address || null,
      started_at: ep ? ep.startedAt.toISOString() : null,
      uptime_s: ep ? Math.round((this.deps.now() - ep.startedMono) / 100) / 10 : null,
      restarts: snap.restarts,
      last_error: snap.lastError === null ? null : this.deps.redact(snap.lastError),
      stderr_tail: boundedTail(tail.map((l) => this.deps.redact(l))),
      health_latency_ms: ep ? this.latency : null,
      switching_to: snap.switchingTo,
      requests: this.stats.snapshot(),
    };
  }

  /** Called by the service around each call. */
  metricsChanged(): void {
    if (this.metricsTimer || !this.running) return;
    this.metricsTimer = setTimeout(() => {
      this.metricsTimer = undefined;
      const metrics = `${this.stats.changes}|${this.latency}`;
      if (metrics !== this.lastMetrics) this.emit();
    }, this.deps.metricsThrottleMs);
    this.metricsTimer.unref();
  }

  private changed(): void {
    const s = this.status();
    const shape = JSON.stringify([s.state, s.mode, s.interpreter, s.pid, s.generation, s.address, s.restarts, s.last_error, s.switching_to]);
    if (shape === this.lastShape) return;
    this.lastShape = shape;
    if (s.pid !== this.lastPid) {
      this.lastPid = s.pid;
      this.latency = null; // the probes measured another process
      if (s.pid !== null && this.running) this.monitor.poke();
    }
    this.emit();
  }

  private emit(): void {
    this.revision++;
    this.lastMetrics = `${this.stats.changes}|${this.latency}`;
    this.deps.events.emit('connectionChanged', this.status());
  }
}
