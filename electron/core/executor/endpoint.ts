/** What the rest of the app sees of one executor it can call: spawned (a process) or external. */
import type { ResolvedInterpreter } from '../interpreters/registry.js';
import type { Exit } from '../process/exit.js';
import type { ExecutorClient } from './grpc-client.js';


/** Counts calls in flight on one endpoint so a retiring executor can be drained. */
export class Leases {
  private count = 0;
  private waiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  acquire(): void {
    this.count++;
  }

  release(): void {
    if (this.count > 0) this.count--;
    if (this.count === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves true when nothing is in flight, false when `timeoutMs` passed first. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(done);
    });
  }
}

export interface Endpoint {
  readonly generation: number;
  readonly interpreter: ResolvedInterpreter | null;
  /** The executor's pid (for an external one, as its HealthCheck reported it). */
  readonly pid: number | null;
  readonly address: string;
  readonly startedAt: Date;
  /** Monotonic ms at start (for uptime). */
  readonly startedMono: number;
  readonly client: ExecutorClient;
  readonly leases: Leases;
  /** False once a health probe failed for good (a hung executor): no new calls go to it. */
  healthy: boolean;
  /** False once the process exited (always true for an external executor). */
  readonly alive: boolean;
  /** Resolves when the process exits (never for an external executor). */
  readonly exited: Promise<Exit>;
  /** The last stderr lines (redacted). */
  stderrTail(): string[];
  /** SIGTERM, grace period, SIGKILL of the process group; closes the channel. Idempotent. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL of the process group now (a hung executor). */
  kill(): void;
}
