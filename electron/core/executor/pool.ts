/**
 * The executor processes of one interpreter (`executor.workers` of them), each in a `ProcessSlot`
 * of its own. Calls go to the ready process with the fewest calls in flight (ties rotate, so
 * calls one at a time spread too). A pool is retired as a whole: no more restarts, each process
 * finishes its calls (drain) and is stopped; a busy process is never killed before its calls'
 * own deadline.
 */
import type { ExecutorProcess } from '../../../shared/dto/connection.js';
import type { ResolvedInterpreter } from '../interpreters/registry.js';
import type { Logger } from '../logging/logger.js';
import type { Endpoint } from './endpoint.js';
import { ProcessSlot, type SlotDeps } from './slot.js';

export type PoolDeps = Omit<SlotDeps, 'index' | 'target'>;

export class Pool {
  readonly slots: ProcessSlot[];
  private turn = 0;

  constructor(
    readonly target: ResolvedInterpreter,
    size: number,
    deps: PoolDeps,
  ) {
    this.slots = Array.from({ length: size }, (_, index) => new ProcessSlot({ ...deps, index, target }));
  }

  get size(): number {
    return this.slots.length;
  }

  /** Starts every process at once; resolves with the failures (empty when all serve). */
  async launchAll(): Promise<Array<{ slot: ProcessSlot; error: unknown }>> {
    const results = await Promise.allSettled(this.slots.map((s) => s.launchFirst()));
    return results.flatMap((r, i) => (r.status === 'rejected' ? [{ slot: this.slots[i] as ProcessSlot, error: r.reason as unknown }] : []));
  }

  ready(): Endpoint[] {
    return this.slots.flatMap((s) => s.ready() ?? []);
  }

  /**
   * The ready process with the fewest calls in flight; among equals, the next one in turn. Never
   * `avoid` (a process a call just failed to reach): with no other, the caller waits for one.
   */
  pick(avoid?: Endpoint): Endpoint | undefined {
    const n = this.slots.length;
    let best: Endpoint | undefined;
    for (let k = 0; k < n; k++) {
      const ep = this.slots[(this.turn + k) % n]?.ready();
      if (ep && ep !== avoid && (!best || ep.leases.size < best.leases.size)) best = ep;
    }
    if (best) this.turn = (this.turn + 1) % n;
    return best;
  }

  /** The first ready process in index order (what the single-process status fields describe). */
  first(): Endpoint | undefined {
    for (const s of this.slots) {
      const ep = s.ready();
      if (ep) return ep;
    }
    return undefined;
  }

  /** True while some process is starting or due to restart. */
  pending(): boolean {
    return this.slots.some((s) => s.pending);
  }

  restarts(): number {
    return this.slots.reduce((sum, s) => sum + s.restarts, 0);
  }

  /** Processes still running (alive), serving or not. */
  alive(): Endpoint[] {
    return this.slots.flatMap((s) => (s.endpoint?.alive ? [s.endpoint] : []));
  }

  describe(): ExecutorProcess[] {
    return this.slots.map((s) => {
      const ep = s.endpoint;
      const running = ep?.alive ? ep : undefined;
      return {
        index: s.index,
        pid: running?.pid ?? null,
        generation: ep?.generation ?? 0,
        state: s.state,
        in_flight: running?.leases.size ?? 0,
        restarts: s.restarts,
        started_at: running ? running.startedAt.toISOString() : null,
        last_error: s.lastError,
      };
    });
  }

  /**
   * Retires the pool: no more restarts; each process finishes its calls (up to `drainMs`) and is
   * stopped. Resolves when all are stopped.
   */
  async retire(drainMs: number, graceMs: number, log: Logger): Promise<void> {
    const endpoints = this.slots.flatMap((s) => s.retire() ?? []);
    await Promise.all(
      endpoints.map(async (ep) => {
        const drained = await ep.leases.drained(drainMs);
        if (!drained) log.warn(`executor #${ep.generation}: ${ep.leases.size} call(s) still running after the drain period; stopping it anyway`);
        await ep.stop(graceMs);
      }),
    );
  }

  /** Stops every process now (the app stops). */
  async stop(graceMs: number): Promise<void> {
    const endpoints = this.slots.flatMap((s) => s.retire() ?? []);
    await Promise.all(endpoints.map((ep) => ep.stop(graceMs)));
  }
}
