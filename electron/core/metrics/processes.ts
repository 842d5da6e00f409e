import type { ConnectionState, ConnectionStatus } from '../../../shared/dto/connection.js';

/** One executor process as the metrics label it. */
export interface ProcessView {
  /** Its place in the pool ("0" while there is one process). */
  process: string;
  pid: number | null;
  state: ConnectionState;
  restarts: number;
  inFlight: number;
}

/**
 * The executor processes the connection status describes: one today (the serving executor, or the
 * external one). Executor pools (issue 14 item 3) list theirs in the status; each becomes one here.
 */
export function executorProcesses(status: ConnectionStatus): ProcessView[] {
  return [{ process: '0', pid: status.pid, state: status.state, restarts: status.restarts, inFlight: status.requests.in_flight }];
}
