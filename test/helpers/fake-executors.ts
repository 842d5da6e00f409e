/** Executor endpoints without a process, for state-machine tests of the supervisor and pools (the integration tests use real ones). */
import { Leases, type Endpoint } from '../../electron/core/executor/endpoint.js';
import type { ExecutorClient } from '../../electron/core/executor/grpc-client.js';
import type { ResolvedInterpreter } from '../../electron/core/interpreters/registry.js';
import type { Exit } from '../../electron/core/process/exit.js';
import { Logger } from '../../electron/core/logging/logger.js';
import { ExecutorStartError } from '../../electron/core/executor/spawned-executor.js';
import { Supervisor, type LaunchContext } from '../../electron/core/executor/supervisor.js';

export class FakeEndpoint implements Endpoint {
  readonly leases = new Leases();
  healthy = true;
  alive = true;
  stopped = false;
  readonly startedAt = new Date();
  readonly startedMono = 0;
  readonly client = {} as unknown as ExecutorClient;
  readonly address: string;
  readonly exited: Promise<Exit>;
  private resolveExit: (e: Exit) => void = () => undefined;

  constructor(
    readonly generation: number,
    readonly interpreter: ResolvedInterpreter,
  ) {
    this.address = `fake:${generation}`;
    this.exited = new Promise((r) => (this.resolveExit = r));
  }
  get pid(): number {
    return 1000 + this.generation;
  }
  crash(exit: Exit = { code: 1, signal: null, spawnError: null }): void {
    if (!this.alive) return;
    this.alive = false;
    this.resolveExit(exit);
  }
  stderrTail(): string[] {
    return [`stderr of #${this.generation}`];
  }
  async stop(): Promise<void> {
    this.stopped = true;
    this.crash({ code: 0, signal: null, spawnError: null });
  }
  kill(): void {
    this.crash({ code: null, signal: 'SIGKILL', spawnError: null });
  }
}

export const interp = (key: string): ResolvedInterpreter => ({ key, name: key, path: `/py/${key}`, venv_path: null, use_uv: false, required_packages: [], environment: {} });
export type Outcome = 'ok' | 'transient' | 'permanent';

/** A supervisor whose launches give fake endpoints (or the start failures `outcomes` lists, in order). */
export function setup(opts: { outcomes?: Outcome[]; maxRestarts?: number; drainTimeoutMs?: number; callDeadlineMs?: number; workers?: number; backoffMs?: number } = {}) {
  const outcomes = [...(opts.outcomes ?? [])];
  const endpoints: FakeEndpoint[] = [];
  const launches: Array<{ target: string; ctx: LaunchContext }> = [];
  let active = interp('a');
  const sup = new Supervisor({
    logger: Logger.create({ level: 'error', sinks: [] }),
    resolveActive: async () => active,
    launch: async (target, ctx) => {
      launches.push({ target: target.key, ctx });
      const o = outcomes.shift() ?? 'ok';
      if (o === 'permanent') throw new ExecutorStartError("the executor exited with code 3 before it was ready: missing Python module 'grpc'", ['missing grpc'], { code: 3, signal: null, spawnError: null }, true);
      if (o === 'transient') throw new ExecutorStartError('the executor exited with code 1 before it was ready', ['boom'], { code: 1, signal: null, spawnError: null }, false);
      const ep = new FakeEndpoint(ctx.generation, target);
      endpoints.push(ep);
      return ep;
    },
    limits: () => ({ maxRestarts: opts.maxRestarts ?? 5, windowMs: 60_000, ...(opts.callDeadlineMs ? { callDeadlineMs: opts.callDeadlineMs } : {}) }),
    now: () => performance.now(),
    workers: () => opts.workers ?? 1,
    tuning: { backoff: { initialMs: opts.backoffMs ?? 1, maxMs: opts.backoffMs ?? 5, factor: 2 }, healthyResetMs: 10_000, drainTimeoutMs: opts.drainTimeoutMs ?? 2_000, stopGraceMs: 100 },
  });
  const until = (pred: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (pred()) return resolve();
      const sub = sup.onDidChange(() => {
        if (pred()) {
          sub.dispose();
          resolve();
        }
      });
    });
  return { sup, endpoints, launches, until, setActive: (k: string) => (active = interp(k)) };
}

