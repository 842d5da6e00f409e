/**
 * Spawn mode: keeps a pool of `executor.workers` executors serving under the active interpreter.
 * Each process is supervised on its own (slot.ts: its own restarts, backoff and failure budget);
 * the state is `connected` while at least one serves. Live switch: the WHOLE new pool must be
 * SERVING before it gets traffic; if any of its processes fails, the new pool is stopped and the
 * old one keeps serving. The old pool is drained (bounded, never before its calls' own deadline)
 * and then stopped. Starts, restarts and switches of pools run one at a time.
 */
import type { ConnectionState, ExecutorProcess } from '../../../shared/dto/connection.js';
import { SerialQueue } from '../config/serial-queue.js';
import { AppError, errorMessage } from '../app-error.js';
import { Emitter } from '../events.js';
import type { ActivationOutcome, ResolvedInterpreter } from '../interpreters/registry.js';
import type { Logger } from '../logging/logger.js';
import { leaseReadyEndpoint, type BackendSnapshot, type ExecutorBackend, type Lease } from './backend.js';
import type { Endpoint } from './endpoint.js';
import { Pool } from './pool.js';
import type { SlotTuning } from './slot.js';
import { ExecutorStartError } from './spawned-executor.js';
import { boundedTail } from './stderr-tail.js';

export interface LaunchContext {
  generation: number;
  /** The process's place in its pool. */
  index: number;
  /** True while another of our executors may hold a fixed TCP port (then it takes a free one). */
  othersAlive: boolean;
  signal: AbortSignal;
}

export interface SupervisorTuning extends SlotTuning {
  /** How long a retiring executor may finish its calls. */
  drainTimeoutMs: number;
}

export interface SupervisorDeps {
  logger: Logger;
  /** The active interpreter as configured now (throws or gives null when there is none). */
  resolveActive: () => Promise<ResolvedInterpreter | null>;
  /** Spawns an executor and resolves once it is SERVING; throws ExecutorStartError otherwise. */
  launch: (target: ResolvedInterpreter, ctx: LaunchContext) => Promise<Endpoint>;
  /** maxRestarts within windowMs (per process); callDeadlineMs: the longest a call may run (the drain waits for it). */
  limits: () => { maxRestarts: number; windowMs: number; callDeadlineMs?: number };
  /** Processes per pool (`executor.workers`, resolved), read at each pool start; default 1. */
  workers?: () => number;
  /** Monotonic ms. */
  now: () => number;
  tuning: SupervisorTuning;
}

type Replaced = { ok: true; pid: number | null } | { ok: false; error: Error };

export class Supervisor implements ExecutorBackend {
  readonly mode = 'spawn' as const;
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private pool: Pool | undefined;
  /** Pools being started for a switch (not serving yet). */
  private readonly launching = new Set<Pool>();
  private readonly retiring = new Map<Pool, Promise<void>>();
  private target: ResolvedInterpreter | null = null;
  private idleState: 'disconnected' | 'failed' = 'disconnected';
  private connecting = false;
  private generation = 0;
  private pastRestarts = 0;
  private lastError: string | null = null;
  private failureTail: string[] = [];
  private switchingTo: string | null = null;
  private stopped = false;
  private readonly queue = new SerialQueue();
  private readonly abort = new AbortController();
  private readonly log: Logger;

  constructor(private readonly deps: SupervisorDeps) {
    this.log = deps.logger.child('supervisor');
  }

  private state(): ConnectionState {
    if (this.stopped) return 'disconnected';
    const pool = this.pool;
    if (pool && pool.ready().length > 0) return 'connected';
    if (this.connecting) return 'connecting';
    if (!pool) return this.idleState;
    return pool.pending() ? 'reconnecting' : 'failed';
  }

  snapshot(): BackendSnapshot {
    const processes: ExecutorProcess[] = this.pool?.describe() ?? [];
    return {
      state: this.state(),
      mode: this.mode,
      current: this.pool?.first(),
      target: this.pool?.target ?? this.target,
      restarts: this.pastRestarts + (this.pool?.restarts() ?? 0),
      lastError: this.lastError,
      failureTail: this.failureTail,
      switchingTo: this.switchingTo,
      pool: { size: this.pool?.size ?? 0, processes },
    };
  }

  /** The ready process with the fewest calls in flight (another than `avoid` when there is one). */
  readyEndpoint(avoid?: Endpoint): Endpoint | undefined {
    return this.pool?.pick(avoid);
  }

  endpointToProbe(): Endpoint | undefined {
    return this.pool?.first();
  }

  endpointsToProbe(): Endpoint[] {
    return this.pool?.ready() ?? [];
  }

  lease(waitMs: number, avoid?: Endpoint): Promise<Lease> {
    return leaseReadyEndpoint(this, waitMs, avoid);
  }

  private fire(): void {
    this.changed.fire();
  }

  private makePool(target: ResolvedInterpreter): Pool {
    const size = Math.max(1, this.deps.workers?.() ?? 1);
    const pool: Pool = new Pool(target, size, {
      log: this.log,
      launch: (index) =>
        this.deps.launch(target, { generation: ++this.generation, index, othersAlive: this.portTaken(index), signal: this.abort.signal }),
      limits: this.deps.limits,
      now: this.deps.now,
      tuning: this.deps.tuning,
      changed: () => this.fire(),
      report: (message, tail) => {
        if (pool !== this.pool) return;
        this.lastError = message;
        if (tail) this.failureTail = tail;
      },
    });
    return pool;
  }

  /** A fixed TCP port goes to process 0 of a pool, unless process 0 of another pool still holds it. */
  private portTaken(index: number): boolean {
    if (index > 0) return true;
    const pools = [this.pool, ...this.launching, ...this.retiring.keys()];
    return pools.some((p) => p?.slots[0]?.endpoint?.alive === true);
  }

  start(): Promise<void> {
    return this.queue.run(async () => {
      if (this.stopped) return;
      const target = await this.resolveTarget();
      if (!target) return;
      this.connecting = true;
      const pool = this.makePool(target);
      this.install(pool); // processes serve as soon as each is ready
      const failures = await pool.launchAll();
      this.connecting = false;
      for (const f of failures) f.slot.failedToStart(f.error);
      this.fire();
    });
  }

  private async resolveTarget(): Promise<ResolvedInterpreter | null> {
    try {
      const t = await this.deps.resolveActive();
      if (t) return t;
      this.lastError = 'no active interpreter: add one and activate it';
    } catch (err) {
      this.lastError = `cannot resolve the active interpreter: ${errorMessage(err)}`;
    }
    this.log.error(this.lastError);
    if (!this.pool) this.idleState = 'failed';
    this.fire();
    return null;
  }

  /** `pool` takes every new call; the one before it retires. */
  private install(pool: Pool): void {
    const old = this.pool;
    this.pool = pool;
    this.target = pool.target;
    this.failureTail = [];
    if (old && old !== pool) {
      this.pastRestarts += old.restarts();
      this.retire(old);
    }
    this.fire();
  }

  private retire(pool: Pool): void {
    // a switch drops no request: calls in flight may run to their own deadline
    const drainMs = Math.max(this.deps.tuning.drainTimeoutMs, this.deps.limits().callDeadlineMs ?? 0);
    const done = pool.retire(drainMs, this.deps.tuning.stopGraceMs, this.log).finally(() => this.retiring.delete(pool));
    this.retiring.set(pool, done);
  }

  reportProbe(ep: Endpoint, ok: boolean, detail: string): void {
    if (ok || this.stopped) return;
    this.pool?.slots.find((s) => s.endpoint === ep)?.markHung(ep, detail);
  }

  switchTo(target: ResolvedInterpreter): Promise<ActivationOutcome> {
    return this.queue.run(async () => {
      if (this.stopped) throw new AppError('UNAVAILABLE', 'the executor is stopped');
      const result = await this.replace(target, 'switch');
      if (result.ok) return { switched: true, message: `the executor now runs under '${target.key}' (pid ${result.pid ?? '?'})` };
      throw new AppError('CONFLICT', `could not switch the executor to '${target.key}': ${result.error.message}`, {
        interpreter: target.key,
        stderr_tail: result.error instanceof ExecutorStartError ? boundedTail(result.error.stderrTail) : [],
      });
    });
  }

  restart(): Promise<void> {
    return this.queue.run(async () => {
      if (this.stopped) throw new AppError('UNAVAILABLE', 'the executor is stopped');
      const target = await this.resolveTarget();
      if (!target) return;
      await this.replace(target, 'restart');
    });
  }

  /**
   * Starts a whole new pool under `target` beside the current one; once every process is SERVING
   * it takes new calls and the old pool retires. If any fails, the new pool is stopped and the
   * current one keeps serving — except for a restart while nothing serves: then whatever started
   * serves and the rest follow the restart policy.
   */
  private async replace(target: ResolvedInterpreter, kind: 'switch' | 'restart'): Promise<Replaced> {
    const serving = (this.pool?.ready().length ?? 0) > 0;
    this.switchingTo = target.key;
    if (!serving && this.state() !== 'reconnecting') this.connecting = true;
    this.fire();
    const pool = this.makePool(target);
    this.launching.add(pool);
    try {
      const failures = await pool.launchAll();
      this.launching.delete(pool);
      if (this.stopped) {
        await pool.stop(this.deps.tuning.stopGraceMs);
        return { ok: false, error: new AppError('UNAVAILABLE', 'the executor was stopped meanwhile') };
      }
      const servingNow = (this.pool?.ready().length ?? 0) > 0;
      if (failures.length === 0 || (kind === 'restart' && !servingNow)) {
        if (failures.length === 0) this.lastError = null; // a reconnect or switch that worked: the old error is history (the log keeps it)
        this.switchingTo = null;
        this.install(pool);
        for (const f of failures) f.slot.failedToStart(f.error);
        const first = pool.first();
        if (first) this.log.info(`${pool.ready().length} executor process(es) now serve under '${target.key}' (pids ${pool.ready().map((e) => e.pid ?? '?').join(', ')})`);
        return failures.length === 0 ? { ok: true, pid: first?.pid ?? null } : { ok: false, error: this.poolError(failures, pool.size) };
      }
      await pool.stop(this.deps.tuning.stopGraceMs);
      const error = this.poolError(failures, pool.size);
      this.lastError = `starting under '${target.key}' failed: ${error.message}`;
      this.failureTail = error instanceof ExecutorStartError ? error.stderrTail : [];
      this.log.error(`${this.lastError}${servingNow ? '; the current executor keeps serving' : ''}`);
      return { ok: false, error };
    } finally {
      this.launching.delete(pool);
      this.switchingTo = null;
      this.connecting = false;
      this.fire();
    }
  }

  /** One error for a pool that did not fully start: the first failure's, saying how many failed. */
  private poolError(failures: Array<{ error: unknown }>, size: number): Error {
    const first = failures[0]?.error;
    const error = first instanceof Error ? first : new Error(String(first));
    if (size === 1) return error;
    const message = `${failures.length} of ${size} executor processes did not start: ${error.message}`;
    return error instanceof ExecutorStartError ? new ExecutorStartError(message, error.stderrTail, error.exit, error.permanent) : new Error(message);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    await this.queue.run(async () => undefined);
    const grace = this.deps.tuning.stopGraceMs;
    const pools = [this.pool, ...this.retiring.keys()].filter((p): p is Pool => p !== undefined);
    this.pool = undefined;
    await Promise.all([...pools.map((p) => p.stop(grace)), ...this.retiring.values()]);
    this.fire();
  }
}
