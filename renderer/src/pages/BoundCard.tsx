import type { ReactElement } from 'react';
import type { BoundExecutor, BoundExecutorState } from '../../../shared/dto/connection';
import { Badge, Card, KeyValues, Mono, type Tone } from '../components/ui';
import { formatDateTime } from '../lib/format';
import { ProcessTable } from './PoolCard';

const BOUND_VIEW: Record<BoundExecutorState, { tone: Tone; label: string }> = {
  starting: { tone: 'warn', label: 'Starting' },
  serving: { tone: 'ok', label: 'Serving' },
  failing: { tone: 'danger', label: 'Failing' },
  'idle-stopped': { tone: 'neutral', label: 'Stopped (idle)' },
  stopped: { tone: 'neutral', label: 'Stopped' },
};

function BoundPool({ b }: { b: BoundExecutor }): ReactElement {
  const view = BOUND_VIEW[b.state];
  const running = b.pool.size > 0;
  return (
    <section className="bound-pool" aria-label={`Interpreter ${b.interpreter}`} data-state={b.state}>
      <div className="bound-head">
        <strong>{b.interpreter}</strong>
        <Badge tone={view.tone} dot>{view.label}</Badge>
        {running && <span className="muted small">{b.pool.serving} of {b.pool.size} serving · {b.in_flight} in flight</span>}
      </div>
      <KeyValues
        items={[
          ['Plugins', b.plugins.length > 0 ? b.plugins.join(', ') : 'none (started for a replay)'],
          ['Python', b.interpreter_path ? <Mono>{b.interpreter_path}</Mono> : '—'],
          ['Last use', formatDateTime(b.last_used)],
          ...(!running && b.stop_reason ? ([['Why stopped', `${b.stop_reason}${b.stopped_at ? ` (${formatDateTime(b.stopped_at)})` : ''}`]] as Array<[string, string]>) : []),
        ]}
      />
      {b.last_error && <p className="danger-text">{b.last_error}</p>}
      {running && <ProcessTable processes={b.pool.processes} label={`Executor processes of ${b.interpreter}`} />}
    </section>
  );
}

/**
 * The executor pools of interpreters plugins are bound to (`plugins.settings.<name>.interpreter`):
 * started on a bound plugin's first call, stopped after `executor.bound_idle_seconds` without calls.
 */
export function BoundCard({ bound }: { bound: readonly BoundExecutor[] }): ReactElement {
  const running = bound.filter((b) => b.pool.size > 0).length;
  return (
    <Card title={`Bound interpreters (${running} of ${bound.length} running)`} className="bound-card">
      <p className="muted small">Plugins bound to another interpreter run in its own executor, started on their first call and stopped when idle.</p>
      {bound.map((b) => (
        <BoundPool key={b.interpreter} b={b} />
      ))}
    </Card>
  );
}
