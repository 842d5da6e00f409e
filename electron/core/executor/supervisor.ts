/**
 * Spawn mode: keeps one executor serving under the active interpreter. Restarts a crashed or hung
 * one with exponential backoff, gives up (`failed`) after too many failures in the restart window,
 * and switches interpreters live: the new executor must be SERVING before it gets traffic, the old
 * one is drained (bounded) and then stopped. All starts, restarts and switches run one at a time.
 */
import type { ConnectionState } from '../../../shared/dto/connection.js';
import { SerialQueue } from '../config/serial-queue.js';
import { AppError, errorMessage } from '../app-error.js';
import { Emitter } from '../events.js';
import type { ActivationOutcome, ResolvedInterpreter } from '../interpreters/registry.js';
import type { Logger } from '../logging/logger.js';
import { leaseReadyEndpoint, type BackendSnapshot, type ExecutorBackend, type Lease } from './backend.js';
import { Backoff, FailureWindow, type BackoffOptions } from './backoff.js';
import type { Endpoint } from './endpoint.js';
import { describeExit } from '../process/exit.js';
import { ExecutorStartError } from './spawned-executor.js';
import { boundedTail } from './stderr-tail.js';

export interface LaunchContext {
  generation: number;
  /** True while another of our executors is alive (a fixed TCP port is then taken). */
  othersAlive: boolean;
  signal: AbortSignal;
}

export interface SupervisorTuning {
  backoff: BackoffOptions;
  /** Connected this long without a crash resets the backoff. */
  healthyResetMs: number;
  /** How long a retiring executor may finish its calls. */
  drainTimeoutMs: number;
  /** SIGTERM to SIGKILL. */
  stopGraceMs: number;
}

export interface SupervisorDeps {
  logger: Logger;
  /** The active interpreter as configured now (throws or gives null when there is none). */
  resolveActive: () => Promise<ResolvedInterpreter | null>;
  /** Spawns an executor and resolves once it is SERVING; throws ExecutorStartError otherwise. */
  launch: (target: ResolvedInterpreter, ctx: LaunchContext) => Promise<Endpoint>;
  /** maxRestarts within windowMs; callDeadlineMs: the longest a call may run (the drain waits for it). */
  limits: () => { maxRestarts: number; windowMs: number; callDeadlineMs?: number };
  /** Monotonic ms. */
  now: () => number;
  tuning: SupervisorTuning;
}

export class Supervisor implements ExecutorBackend {
  readonly mode = 'spawn' as const;
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private state: ConnectionState = 'disconnected';
  private current: Endpoint | undefined;
  private target: ResolvedInterpreter | null = null;
  private generation = 0;
  private restarts = 0;
  private lastError: string | null = null;
  private failureTail: string[] = [];
  private switchingTo: string | null = null;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private healthyTimer: NodeJS.Timeout | undefined;
  private readonly retiring = new Map<Endpoint, Promise<void>>();
  private readonly queue = new SerialQueue();
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
  private readonly failures: FailureWindow;
  private readonly log: Logger;

  constructor(private readonly deps: SupervisorDeps) {
    this.log = deps.logger.child('supervisor');
    this.backoff = new Backoff(deps.tuning.backoff);
    this.failures = new FailureWindow(() => {
      const { maxRestarts, windowMs } = deps.limits();
      return { max: maxRestarts, windowMs };
    }, deps.now);
  }

  snapshot(): BackendSnapshot {
    return {
      state: this.state,
      mode: this.mode,
      current: this.current,
      target: this.target,
      restarts: this.restarts,
      lastError: this.lastError,
      failureTail: this.failureTail,
      switchingTo: this.switchingTo,
    };
  }

  readyEndpoint(): Endpoint | undefined {
    const ep = this.current;
    return ep && ep.healthy && ep.alive ? ep : undefined;
  }

  endpointToProbe(): Endpoint | undefined {
    return this.readyEndpoint();
  }

  lease(waitMs: number): Promise<Lease> {
    return leaseReadyEndpoint(this, waitMs);
  }

  private set(state: ConnectionState): void {
    this.state = state;
    this.changed.fire();
  }

  start(): Promise<void> {
    return this.queue.run(async () => {
      if (this.stopped) return;
      const target = await this.resolveTarget();
      if (!target) return;
      this.failures.clear();
      this.backoff.reset();
      this.set('connecting');
      await this.attempt(target);
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
    this.set('failed');
    return null;
  }

  private othersAlive(): boolean {
    return (this.current?.alive ?? false) || [...this.retiring.keys()].some((e) => e.alive);
  }

  /** Launches under `target`; on success it becomes current. Failures go to the restart policy. */
  private async attempt(target: ResolvedInterpreter): Promise<void> {
    this.target = target;
    try {
      const ep = await this.deps.launch(target, { generation: ++this.generation, othersAlive: this.othersAlive(), signal: this.abort.signal });
      if (this.stopped) return void (await ep.stop(this.deps.tuning.stopGraceMs));
      this.install(ep, target);
    } catch (err) {
      if (this.stopped) return;
      this.lastError = errorMessage(err);
      this.failureTail = err instanceof ExecutorStartError ? err.stderrTail : [];
      this.log.error(`executor under '${target.key}' failed to start: ${this.lastError}`);
      if (err instanceof ExecutorStartError && err.permanent) {
        this.set('failed');
        return;
      }
      this.scheduleRestart();
    }
  }

  private install(ep: Endpoint, target: ResolvedInterpreter): void {
    const old = this.current;
    this.current = ep;
    this.target = target;
    this.failureTail = [];
    this.cancelRestart();
    clearTimeout(this.healthyTimer);
    this.healthyTimer = setTimeout(() => {
      if (this.current === ep) this.backoff.reset();
    }, this.deps.tuning.healthyResetMs);
    this.healthyTimer.unref();
    void ep.exited.then((exit) => {
      if (this.stopped || this.current !== ep) return;
      this.current = undefined;
      const msg = `executor #${ep.generation} (pid ${ep.pid ?? '?'}) ${describeExit(exit)}`;
      this.lastError = ep.healthy ? msg : `${this.lastError ?? 'unhealthy'}; ${msg}`;
      this.failureTail = ep.stderrTail();
      this.log.warn(`${msg}; restarting`);
      this.scheduleRestart();
    });
    if (old && old !== ep) this.retire(old);
    this.set('connected');
  }

  private retire(ep: Endpoint): void {
    const done = (async () => {
      // a switch drops no request: calls in flight may run to their own deadline
      const drainMs = Math.max(this.deps.tuning.drainTimeoutMs, this.deps.limits().callDeadlineMs ?? 0);
      const drained = await ep.leases.drained(drainMs);
      if (!drained) this.log.warn(`executor #${ep.generation}: ${ep.leases.size} call(s) still running after the drain period; stopping it anyway`);
      await ep.stop(this.deps.tuning.stopGraceMs);
    })().finally(() => this.retiring.delete(ep));
    this.retiring.set(ep, done);
  }

  private scheduleRestart(): void {
    clearTimeout(this.healthyTimer);
    if (this.failures.record()) {
      const { maxRestarts, windowMs } = this.deps.limits();
      const cause = this.lastError ? `: ${this.lastError}` : '';
      this.lastError = `gave up after ${this.failures.count()} failures within ${windowMs / 1000} s (executor.max_restarts is ${maxRestarts})${cause}`;
      this.log.error(this.lastError);
      this.set('failed');
      return;
    }
    const delay = this.backoff.next();
    this.cancelRestart();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.queue.run(() => this.restartAttempt());
    }, delay);
    this.set('reconnecting');
  }

  private cancelRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private async restartAttempt(): Promise<void> {
    if (this.stopped || this.state !== 'reconnecting' || this.readyEndpoint() || !this.target) return;
    this.restarts++;
    await this.attempt(this.target);
  }

  reportProbe(ep: Endpoint, ok: boolean, detail: string): void {
    if (ok || ep !== this.current || !ep.healthy || this.stopped) return;
    ep.healthy = false;
    this.lastError = `executor #${ep.generation} (pid ${ep.pid ?? '?'}) stopped answering: ${detail}`;
    this.log.error(`${this.lastError}; killing it`);
    this.set('reconnecting');
    ep.kill(); // the exit then goes through the restart policy
  }

  switchTo(target: ResolvedInterpreter): Promise<ActivationOutcome> {
    return this.queue.run(async () => {
      if (this.stopped) throw new AppError('UNAVAILABLE', 'the executor is stopped');
      const result = await this.replace(target);
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
      this.cancelRestart();
      this.failures.clear();
      this.backoff.reset();
      const target = await this.resolveTarget();
      if (!target) return;
      if (!this.readyEndpoint()) this.set('connecting');
      await this.replace(target);
    });
  }

  /**
   * Starts an executor under `target` beside the current one; once SERVING it takes new calls and
   * the old one retires. On failure the current one (if any) keeps serving.
   */
  private async replace(target: ResolvedInterpreter): Promise<{ ok: true; pid: number | null } | { ok: false; error: Error }> {
    const serving = this.readyEndpoint() !== undefined;
    const before = this.state;
    this.switchingTo = target.key;
    if (!serving && before !== 'reconnecting') this.set('connecting');
    else this.changed.fire();
    try {
      const ep = await this.deps.launch(target, { generation: ++this.generation, othersAlive: this.othersAlive(), signal: this.abort.signal });
      if (this.stopped) {
        await ep.stop(this.deps.tuning.stopGraceMs);
        return { ok: false, error: new AppError('UNAVAILABLE', 'the executor was stopped meanwhile') };
      }
      this.failures.clear();
      this.backoff.reset();
      this.switchingTo = null;
      this.lastError = null; // a reconnect or switch that worked: the old error is history (the log keeps it)
      this.install(ep, target);
      this.log.info(`executor #${ep.generation} (pid ${ep.pid ?? '?'}) now serves under '${target.key}'`);
      return { ok: true, pid: ep.pid };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.lastError = `starting under '${target.key}' failed: ${error.message}`;
      this.log.error(`${this.lastError}${this.readyEndpoint() ? '; the current executor keeps serving' : ''}`);
      if (!this.readyEndpoint() && !this.stopped) {
        // Nothing serves: the old target's restart policy goes on (or the state is failed).
        this.failureTail = error instanceof ExecutorStartError ? error.stderrTail : [];
        const permanent = error instanceof ExecutorStartError && error.permanent;
        if (this.restartTimer) this.changed.fire();
        else if (permanent && before !== 'reconnecting') this.set('failed');
        else if (this.target) this.scheduleRestart();
        else this.set('failed');
      }
      return { ok: false, error };
    } finally {
      this.switchingTo = null;
      this.changed.fire();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.cancelRestart();
    clearTimeout(this.healthyTimer);
    await this.queue.run(async () => undefined);
    const grace = this.deps.tuning.stopGraceMs;
    const current = this.current;
    this.current = undefined;
    await Promise.all([current?.stop(grace), ...[...this.retiring.keys()].map((ep) => ep.stop(grace)), ...this.retiring.values()]);
    this.set('disconnected');
  }
}
