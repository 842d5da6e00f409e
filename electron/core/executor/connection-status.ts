/**
 * The executor connection as the UI sees it: state, process details (the first serving process,
 * and each process of the pool), health latency and request statistics, pushed as `connectionChanged` with an increasing revision. State changes go out at
 * once; metric-only changes (requests, latency) at most once per `metricsThrottleMs`.
 */
import type { BoundExecutor, ConnectionStatus } from '../../../shared/dto/connection.js';
import type { Disposable, Event, EventBus } from '../events.js';
import type { ExecutorBackend } from './backend.js';
import { boundedTail } from './stderr-tail.js';
import type { HealthMonitorOptions } from './health-monitor.js';
import { PoolMonitor } from './pool-monitor.js';
import { RequestStatsTracker } from './request-stats.js';

export interface ConnectionManagerDeps {
  events: Pick<EventBus, 'emit'>;
  /** Monotonic ms. */
  now: () => number;
  redact: (text: string) => string;
  monitor: HealthMonitorOptions;
  metricsThrottleMs: number;
}

/** The pools of bound interpreters (the router): shown in the status, followed for changes. */
export interface BoundPools {
  views(): BoundExecutor[];
  readonly onDidChange: Event<void>;
}

export class ConnectionManager {
  readonly stats: RequestStatsTracker;
  private backendValue: ExecutorBackend;
  private sub: Disposable | undefined;
  private bound: BoundPools | undefined;
  private boundSub: Disposable | undefined;
  private revision = 0;
  private lastShape = '';
  private lastMetrics = '';
  private metricsTimer: NodeJS.Timeout | undefined;
  private readonly monitor: PoolMonitor;
  private running = false;

  constructor(
    backend: ExecutorBackend,
    private readonly deps: ConnectionManagerDeps,
  ) {
    this.backendValue = backend;
    this.stats = new RequestStatsTracker(deps.now);
    this.monitor = new PoolMonitor(() => this.backendValue, deps.monitor, deps.now, () => this.metricsChanged());
    this.subscribe();
  }

  get backend(): ExecutorBackend {
    return this.backendValue;
  }

  /** Follows another backend (executor.mode changed). */
  setBackend(backend: ExecutorBackend): void {
    this.sub?.dispose();
    this.backendValue = backend;
    this.subscribe();
    this.changed();
  }

  /** Shows the bound interpreters' pools too: a pool that starts, stops or changes state is a state change. */
  followBound(bound: BoundPools): void {
    this.boundSub?.dispose();
    this.bound = bound;
    this.boundSub = bound.onDidChange(() => this.changed());
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
    this.boundSub?.dispose();
  }

  status(): ConnectionStatus {
    const snap = this.backendValue.snapshot();
    const ep = snap.current;
    const interp = ep?.interpreter ?? snap.target;
    const tail = ep ? ep.stderrTail() : snap.failureTail;
    const redact = (text: string | null): string | null => (text === null ? null : this.deps.redact(text));
    const processes = snap.pool.processes.map((p) => ({ ...p, last_error: redact(p.last_error) }));
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
      last_error: redact(snap.lastError),
      stderr_tail: boundedTail(tail.map((l) => this.deps.redact(l))),
      health_latency_ms: this.monitor.latencyOf(ep),
      switching_to: snap.switchingTo,
      requests: this.stats.snapshot(),
      pool: { size: snap.pool.size, serving: processes.filter((p) => p.state === 'serving').length, processes },
      bound: this.boundStatus(redact),
    };
  }

  private boundStatus(redact: (text: string | null) => string | null): BoundExecutor[] {
    return (this.bound?.views() ?? []).map((b) => ({
      ...b,
      last_error: redact(b.last_error),
      stop_reason: redact(b.stop_reason),
      pool: { ...b.pool, processes: b.pool.processes.map((p) => ({ ...p, last_error: redact(p.last_error) })) },
    }));
  }

  /** Called by the service around each call. */
  metricsChanged(): void {
    if (this.metricsTimer || !this.running) return;
    this.metricsTimer = setTimeout(() => {
      this.metricsTimer = undefined;
      const metrics = this.metricsKey();
      if (metrics !== this.lastMetrics) this.emit();
    }, this.deps.metricsThrottleMs);
    this.metricsTimer.unref();
  }

  /** Requests and latency, plus each process's calls in flight (metric-only changes, throttled). */
  private metricsKey(): string {
    const snap = this.backendValue.snapshot();
    const bound = (this.bound?.views() ?? []).map((b) => [b.in_flight, b.last_used, b.pool.processes.map((p) => p.in_flight)]);
    return `${this.stats.changes}|${this.monitor.latencyOf(snap.current)}|${snap.pool.processes.map((p) => p.in_flight).join(',')}|${JSON.stringify(bound)}`;
  }

  private changed(): void {
    this.monitor.sync(); // a monitor for each serving process (a new one is probed at once)
    const s = this.status();
    const processes = s.pool.processes.map((p) => [p.index, p.pid, p.generation, p.state, p.restarts, p.last_error]);
    const bound = s.bound.map((b) => [b.interpreter, b.plugins, b.state, b.stopped_at, b.last_error, b.pool.processes.map((p) => [p.index, p.pid, p.state, p.restarts, p.last_error])]);
    const shape = JSON.stringify([s.state, s.mode, s.interpreter, s.pid, s.generation, s.address, s.restarts, s.last_error, s.switching_to, s.pool.size, processes, bound]);
    if (shape === this.lastShape) return;
    this.lastShape = shape;
    this.emit();
  }

  private emit(): void {
    this.revision++;
    this.lastMetrics = this.metricsKey();
    this.deps.events.emit('connectionChanged', this.status());
  }
}
