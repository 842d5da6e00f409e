import type { BoundExecutorState, ConnectionStatus, ExecutorProcessState } from '../../../shared/dto/connection.js';

/** Every state a pool process can be in (`ExecutorProcessStateSchema`), for one-hot gauges. */
export const PROCESS_STATES: readonly ExecutorProcessState[] = ['starting', 'serving', 'unhealthy', 'restarting', 'failed'];

/** Every state a bound interpreter's pool can be in (`BoundExecutorStateSchema`). */
export const BOUND_STATES: readonly BoundExecutorState[] = ['starting', 'serving', 'failing', 'idle-stopped', 'stopped'];

/** Which pool a process belongs to: the active interpreter's, or one a plugin is bound to. */
export type PoolRole = 'active' | 'bound';

/** One executor process as the metrics label it. */
export interface ProcessView {
  /** The interpreter its pool runs (registry key; empty when none is known). */
  interpreter: string;
  pool: PoolRole;
  /** Its place in its pool, "0".."size-1" (a restarted process keeps its place). */
  process: string;
  pid: number | null;
  state: ExecutorProcessState;
  restarts: number;
  inFlight: number;
}

/** The labels of a process's series. */
export const processLabels = (p: ProcessView): { interpreter: string; pool: PoolRole; process: string } => ({ interpreter: p.interpreter, pool: p.pool, process: p.process });

/** The processes of the active pool and of every bound interpreter's pool (spawn mode; an external executor has none of its own). */
export function executorProcesses(status: ConnectionStatus): ProcessView[] {
  const active = status.pool.processes.map((p): ProcessView => ({ interpreter: status.interpreter ?? '', pool: 'active', process: String(p.index), pid: p.pid, state: p.state, restarts: p.restarts, inFlight: p.in_flight }));
  const bound = status.bound.flatMap((b) =>
    b.pool.processes.map((p): ProcessView => ({ interpreter: b.interpreter, pool: 'bound', process: String(p.index), pid: p.pid, state: p.state, restarts: p.restarts, inFlight: p.in_flight })),
  );
  return [...active, ...bound];
}
