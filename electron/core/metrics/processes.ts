import type { ConnectionStatus, ExecutorProcessState } from '../../../shared/dto/connection.js';

/** Every state a pool process can be in (`ExecutorProcessStateSchema`), for one-hot gauges. */
export const PROCESS_STATES: readonly ExecutorProcessState[] = ['starting', 'serving', 'unhealthy', 'restarting', 'failed'];

/** One executor process as the metrics label it. */
export interface ProcessView {
  /** Its place in the pool, "0".."size-1" (a restarted process keeps its place). */
  process: string;
  pid: number | null;
  state: ExecutorProcessState;
  restarts: number;
  inFlight: number;
}

/** The processes of the executor pool (spawn mode; an external executor has none of its own). */
export function executorProcesses(status: ConnectionStatus): ProcessView[] {
  return status.pool.processes.map((p) => ({ process: String(p.index), pid: p.pid, state: p.state, restarts: p.restarts, inFlight: p.in_flight }));
}
