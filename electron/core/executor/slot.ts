/**
 * One place in an executor pool, supervised on its own: it holds one process at a time, restarts
 * it when it crashes or hangs (the first restart at once, repeated failures with exponential
 * backoff) and gives up (`failed`) after more than `executor.max_restarts` failures within
 * `executor.restart_window`. The other places of the pool keep serving meanwhile.
 */
import type { ExecutorProcessState } from '../../../shared/dto/connection.js';
import { errorMessage } from '../app-error.js';
import type { ResolvedInterpreter } from '../interpreters/registry.js';
import type { Logger } from '../logging/logger.js';
import { describeExit } from '../process/exit.js';
import { Backoff, FailureWindow, type BackoffOptions } from './backoff.js';
import type { Endpoint } from './endpoint.js';
import { ExecutorStartError } from './spawned-executor.js';

export interface SlotTuning {
  backoff: BackoffOptions;
  /** Serving this long without a crash resets the backoff. */
  healthyResetMs: number;
  /** SIGTERM to SIGKILL. */
  stopGraceMs: number;
}

export interface SlotDeps {
  index: number;
  target: ResolvedInterpreter;
  log: Logger;
  /** Spawns this slot's process and resolves once it is SERVING (throws ExecutorStartError otherwise). */
  launch: (index: number) => Promise<Endpoint>;
  limits: () => { maxRestarts: number; windowMs: number };
  now: () => number;
  tuning: SlotTuning;
  /** Something changed (state, process, error). */
  changed: () => void;
  /** A failure worth showing as the executor's last error, with the stderr tail of the attempt (undefined: keep the last one). */
  report: (message: string, stderrTail?: string[]) => void;
}

export class ProcessSlot {
  private stateValue: ExecutorProcessState = 'starting';
  private endpointValue: Endpoint | undefined;
  private restartsValue = 0;
  private lastErrorValue: string | null = null;
  private retired = false;
  /** The first restart after a failure follows at once; the backoff paces the ones after it. */
  private quickRestartUsed = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private healthyTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly failures: FailureWindow;

  constructor(private readonly deps: SlotDeps) {
    this.backoff = new Backoff(deps.tuning.backoff);
    this.failures = new FailureWindow(() => {
      const { maxRestarts, windowMs } = deps.limits();
      return { max: maxRestarts, windowMs };
    }, deps.now);
  }

  get index(): number {
    return this.deps.index;
  }
  get state(): ExecutorProcessState {
    const ep = this.endpointValue;
    if (this.stateValue !== 'serving' || !ep) return this.stateValue;
    // its exit or a failed probe is being handled right now
    return !ep.alive ? 'restarting' : !ep.healthy ? 'unhealthy' : 'serving';
  }
  get endpoint(): Endpoint | undefined {
    return this.endpointValue;
  }
  get restarts(): number {
    return this.restartsValue;
  }
  get lastError(): string | null {
    return this.lastErrorValue;
  }

  /** The process, when it takes calls now. */
  ready(): Endpoint | undefined {
    const ep = this.endpointValue;
    return this.stateValue === 'serving' && ep && ep.healthy && ep.alive ? ep : undefined;
  }

  /** True unless it gave up: serving, or starting, or a restart is due or under way. */
  get pending(): boolean {
    return this.stateValue !== 'failed';
  }

  /** The first start (of a pool, or a switch): a failure throws and is left to the caller. */
  async launchFirst(): Promise<void> {
    const ep = await this.deps.launch(this.deps.index);
    if (this.retired) {
      await ep.stop(this.deps.tuning.stopGraceMs);
      throw new Error('the pool was stopped meanwhile');
    }
    this.adopt(ep);
  }

  /** A first start failed and the pool is kept: the restart policy takes over. */
  failedToStart(err: unknown): void {
    if (this.retired) return;
    this.fail(err);
  }

  private adopt(ep: Endpoint): void {
    this.endpointValue = ep;
    this.stateValue = 'serving';
    clearTimeout(this.healthyTimer);
    this.healthyTimer = setTimeout(() => {
      if (this.endpointValue === ep) {
        this.backoff.reset();
        this.quickRestartUsed = false;
      }
    }, this.deps.tuning.healthyResetMs);
    this.healthyTimer.unref();
    void ep.exited.then((exit) => {
      if (this.retired || this.endpointValue !== ep) return;
      const msg = `executor #${ep.generation} (pid ${ep.pid ?? '?'}, pool process ${this.deps.index}) ${describeExit(exit)}`;
      const why = ep.healthy ? msg : `${this.lastErrorValue ?? 'unhealthy'}; ${msg}`;
      this.deps.log.warn(`${msg}; restarting it`);
      this.lastErrorValue = why;
      this.deps.report(why, ep.stderrTail());
      this.scheduleRestart();
    });
    this.deps.changed();
  }

  private fail(err: unknown): void {
    const message = errorMessage(err);
    this.lastErrorValue = message;
    this.deps.report(message, err instanceof ExecutorStartError ? err.stderrTail : []);
    this.deps.log.error(`pool process ${this.deps.index} under '${this.deps.target.key}' failed to start: ${message}`);
    if (err instanceof ExecutorStartError && err.permanent) {
      this.stateValue = 'failed';
      this.deps.changed();
      return;
    }
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    clearTimeout(this.healthyTimer);
    if (this.failures.record()) {
      const { maxRestarts, windowMs } = this.deps.limits();
      const cause = this.lastErrorValue ? `: ${this.lastErrorValue}` : '';
      const msg = `gave up after ${this.failures.count()} failures within ${windowMs / 1000} s (executor.max_restarts is ${maxRestarts})${cause}`;
      this.lastErrorValue = msg;
      this.deps.log.error(`pool process ${this.deps.index}: ${msg}`);
      this.deps.report(msg); // the tail of the last attempt says why
      this.stateValue = 'failed';
      this.deps.changed();
      return;
    }
    const delay = this.quickRestartUsed ? this.backoff.next() : 0;
    this.quickRestartUsed = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.restartAttempt();
    }, delay);
    this.stateValue = 'restarting';
    this.deps.changed();
  }

  private async restartAttempt(): Promise<void> {
    if (this.retired) return;
    this.restartsValue++;
    this.endpointValue = undefined;
    try {
      const ep = await this.deps.launch(this.deps.index);
      if (this.retired) return void (await ep.stop(this.deps.tuning.stopGraceMs));
      this.adopt(ep);
    } catch (err) {
      if (!this.retired) this.fail(err);
    }
  }

  /** The health monitor's verdict on this slot's process: hung, so it is killed and restarted. */
  markHung(ep: Endpoint, detail: string): boolean {
    // an exit being handled already is not a hang
    if (ep !== this.endpointValue || this.stateValue !== 'serving' || !ep.alive || !ep.healthy || this.retired) return false;
    ep.healthy = false;
    this.lastErrorValue = `executor #${ep.generation} (pid ${ep.pid ?? '?'}) stopped answering: ${detail}`;
    this.deps.log.error(`${this.lastErrorValue}; killing it`);
    this.deps.report(this.lastErrorValue, ep.stderrTail());
    this.stateValue = 'unhealthy';
    this.deps.changed();
    ep.kill(); // the exit then goes through the restart policy
    return true;
  }

  /** No more restarts; gives back the process (if any) for the caller to drain and stop. */
  retire(): Endpoint | undefined {
    this.retired = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.healthyTimer);
    this.restartTimer = undefined;
    return this.endpointValue;
  }
}
