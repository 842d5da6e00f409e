import type { ReactElement } from 'react';
import type { ExecutorPool, ExecutorProcess, ExecutorProcessState } from '../../../shared/dto/connection';
import { Badge, Card, type Tone } from '../components/ui';
import { formatDateTime } from '../lib/format';

const PROCESS_VIEW: Record<ExecutorProcessState, { tone: Tone; label: string }> = {
  starting: { tone: 'warn', label: 'Starting' },
  serving: { tone: 'ok', label: 'Serving' },
  unhealthy: { tone: 'danger', label: 'Unhealthy' },
  restarting: { tone: 'warn', label: 'Restarting' },
  failed: { tone: 'danger', label: 'Failed' },
};

/** One row per executor process: its place, pid, state (the last error on hover), calls in flight, restarts, start. */
export function ProcessTable({ processes, label }: { processes: readonly ExecutorProcess[]; label: string }): ReactElement {
  return (
    <table className="table pool-table" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">PID</th>
          <th scope="col">State</th>
          <th scope="col">In flight</th>
          <th scope="col">Restarts</th>
          <th scope="col">Started</th>
        </tr>
      </thead>
      <tbody>
        {processes.map((p) => {
          const view = PROCESS_VIEW[p.state];
          return (
            <tr key={p.index} data-state={p.state}>
              <td>{p.index}</td>
              <td className="mono">{p.pid ?? '—'}</td>
              <td>
                <Badge tone={view.tone} dot title={p.last_error ?? undefined}>{view.label}</Badge>
              </td>
              <td>{p.in_flight}</td>
              <td>{p.restarts}</td>
              <td>{formatDateTime(p.started_at)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The executor processes of the pool (executor.workers): each one's pid, state, calls in flight and restarts. */
export function PoolCard({ pool }: { pool: ExecutorPool }): ReactElement {
  return (
    <Card title={`Executor pool (${pool.serving} of ${pool.size} serving)`} className="pool-card">
      <ProcessTable processes={pool.processes} label="Executor processes" />
    </Card>
  );
}
