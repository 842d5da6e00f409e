import { useEffect, useMemo, useState, type ReactElement } from 'react';
import type { ConnectionState, ConnectionStatus } from '../../../shared/dto/connection';
import { Badge, Banner, Button, Card, ErrorState, KeyValues, Mono, PageHeader, Skeleton, type Tone } from '../components/ui';
import { Icon } from '../components/icons';
import { formatDateTime, formatMs, formatUptime } from '../lib/format';
import { useConnection } from '../stores/connection';
import { useInterpreters } from '../stores/interpreters';
import { useRouter } from '../app/router';
import { BoundCard } from './BoundCard';
import { InboxCard } from './InboxCard';
import { PoolCard } from './PoolCard';

export const STATE_VIEW: Record<ConnectionState, { tone: Tone; label: string; text: string }> = {
  connected: { tone: 'ok', label: 'Connected', text: 'The executor is serving requests.' },
  connecting: { tone: 'warn', label: 'Connecting', text: 'The executor is starting.' },
  reconnecting: { tone: 'warn', label: 'Reconnecting', text: 'The executor stopped answering; the bridge is restarting it.' },
  disconnected: { tone: 'neutral', label: 'Disconnected', text: 'No executor is running.' },
  failed: { tone: 'danger', label: 'Failed', text: 'The executor kept failing; the bridge stopped restarting it. Fix the cause, then reconnect.' },
};

/** External mode: you run the executor; the bridge only connects to it and never restarts it. */
const EXTERNAL_TEXT: Record<ConnectionState, string> = {
  connected: 'The executor you run is serving requests.',
  connecting: 'Connecting to the executor you run.',
  reconnecting: 'The executor you run stopped answering; the bridge keeps trying to reach it. Check that it is running.',
  disconnected: 'Not connected to the executor you run.',
  failed: 'The bridge cannot reach the executor you run. Start it (or fix executor.host/port), then reconnect.',
};

export function stateView(state: ConnectionState, mode: ConnectionStatus['mode']): { tone: Tone; label: string; text: string } {
  const view = STATE_VIEW[state];
  return mode === 'external' ? { ...view, text: EXTERNAL_TEXT[state] } : view;
}

/**
 * Uptime that ticks every second between pushed updates: the server's `uptime_s` plus the time
 * since it arrived (no dependence on this machine's clock agreeing with the server's).
 */
function useUptime(status: ConnectionStatus | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  // when this snapshot arrived (a new object comes with every update)
  const receivedAt = useMemo(() => (status ? Date.now() : 0), [status]);
  const ticking = status?.state === 'connected' && status.uptime_s !== null;
  useEffect(() => {
    if (!ticking) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [ticking]);
  if (!status || status.uptime_s === null) return null;
  return ticking ? status.uptime_s + Math.max(0, now - receivedAt) / 1000 : status.uptime_s;
}

export function ConnectionPage(): ReactElement {
  const { data, loaded, error, load, reconnect, reconnecting, reconnectError } = useConnection();
  const navigate = useRouter((s) => s.navigate);
  useEffect(() => {
    if (!loaded) void load();
  }, [loaded, load]);
  const uptime = useUptime(data);
  const view = data ? stateView(data.state, data.mode) : null;
  // the same list the Interpreters page shows: who pins the active interpreter
  const interpreters = useInterpreters((s) => s.data);
  const interpretersLoaded = useInterpreters((s) => s.loaded);
  useEffect(() => {
    if (!interpretersLoaded) void useInterpreters.getState().load();
  }, [interpretersLoaded]);
  const pinnedBy = interpreters?.pinned_by ?? null;

  return (
    <div className="page">
      <PageHeader
        title="Connection Status"
        subtitle="The executor process that runs your plugins, live."
        actions={
          <>
            <TestButton disabled={!data} />
            <Button icon={<Icon name="refresh" />} busy={reconnecting} disabled={!data} onClick={() => void reconnect()}>
              Reconnect
            </Button>
          </>
        }
      />
      {reconnectError && <Banner tone="danger" title="Reconnect failed">{reconnectError.message}</Banner>}
      {!data && error ? (
        <ErrorState error={error} title={error.code === 'UNAVAILABLE' ? 'The executor is not available' : undefined} onRetry={() => void load()}>
          {error.code === 'UNAVAILABLE' && (
            <p className="state-body">
              This page fills in as soon as the executor reports its state. Check that an interpreter is active on the{' '}
              <a href="/interpreters" onClick={(e) => { e.preventDefault(); navigate('interpreters'); }}>Interpreters</a> page.
            </p>
          )}
        </ErrorState>
      ) : !data || !view ? (
        <Skeleton rows={3} height={88} />
      ) : (
        <>
          <section className={`status-hero tone-${view.tone}`} aria-live="polite" aria-label="Executor state">
            <span className={`pulse pulse-${view.tone} ${data.state === 'connecting' || data.state === 'reconnecting' ? 'is-pulsing' : ''}`} aria-hidden="true" />
            <div>
              <p className="status-state" data-state={data.state}>{view.label}</p>
              <p className="muted">
                {data.switching_to ? `Switching to '${data.switching_to}'…` : view.text}
              </p>
            </div>
            <div className="status-interp">
              <span className="list-label">Interpreter</span>
              <strong>{data.interpreter ?? '—'}</strong>
              {data.interpreter_path && <Mono>{data.interpreter_path}</Mono>}
              {pinnedBy && data.mode === 'spawn' && <span className="muted small">pinned by {pinnedBy}</span>}
            </div>
          </section>
          <div className="tiles">
            <Tile label="Uptime" value={formatUptime(uptime)} />
            <Tile label="Restarts" value={String(data.restarts)} />
            <Tile label="Ping" value={formatMs(data.health_latency_ms)} />
            <Tile label="Requests" value={String(data.requests.total)} />
            <Tile label="Failed" value={String(data.requests.failed)} tone={data.requests.failed > 0 ? 'danger' : undefined} />
            <Tile label="In flight" value={String(data.requests.in_flight)} />
            <Tile label="p50" value={formatMs(data.requests.p50_ms)} />
            <Tile label="p99" value={formatMs(data.requests.p99_ms)} />
          </div>
          <div className="grid-2">
            <Card title="Process">
              <KeyValues
                items={[
                  ['Mode', data.mode === 'spawn' ? 'started by the bridge' : 'external'],
                  ['PID', data.pid ?? '—'],
                  ['Address', data.address ? <Mono>{data.address}</Mono> : '—'],
                  ['Generation', `#${data.generation}`],
                  ['Started', formatDateTime(data.started_at)],
                ]}
              />
            </Card>
            <Card title="Last error">
              {data.last_error ? (
                <>
                  <p className="danger-text">{data.last_error}</p>
                  {data.stderr_tail.length > 0 && (
                    <>
                      <span className="list-label stderr-label">Executor output (last lines)</span>
                      <pre className="stderr" aria-label="Executor stderr (last lines)">{data.stderr_tail.join('\n')}</pre>
                    </>
                  )}
                </>
              ) : (
                <p className="muted">No error since the executor started.</p>
              )}
            </Card>
          </div>
          {data.mode === 'spawn' && data.pool.size > 0 && <PoolCard pool={data.pool} />}
          {data.bound.length > 0 && <BoundCard bound={data.bound} />}
          {data.inbox && <InboxCard inbox={data.inbox} />}
          <TestResult />
        </>
      )}
    </div>
  );
}

function Tile({ label, value, tone }: { label: string; value: string; tone?: Tone | undefined }): ReactElement {
  return (
    <div className={`tile ${tone ? `tile-${tone}` : ''}`}>
      <span className="tile-label">{label}</span>
      <span className="tile-value">{value}</span>
    </div>
  );
}

function TestButton({ disabled }: { disabled: boolean }): ReactElement {
  const { testing, runTest } = useConnection();
  return (
    <Button variant="primary" icon={<Icon name="play" />} busy={testing} disabled={disabled} onClick={() => void runTest()}>
      Test Connection
    </Button>
  );
}

function TestResult(): ReactElement | null {
  const test = useConnection((s) => s.test);
  if (!test) return null;
  if (test.error) {
    return <Banner tone="danger" title="Connection test failed">{test.error.message}</Banner>;
  }
  const r = test.result;
  if (!r) return null;
  return (
    <Card title="Connection test" className="test-result">
      <div className="test-head">
        <Badge tone={r.ok ? 'ok' : 'danger'} dot>{r.ok ? 'Passed' : 'Failed'}</Badge>
        <span>
          {r.status} · {r.probes} probe{r.probes === 1 ? '' : 's'}
        </span>
        <span className="muted small">{new Date(test.at).toLocaleTimeString()}</span>
      </div>
      {r.error && <p className="danger-text">{r.error}</p>}
      <div className="tiles tiles-3">
        <Tile label="Min" value={formatMs(r.latency_ms.min)} />
        <Tile label="Median" value={formatMs(r.latency_ms.median)} />
        <Tile label="Max" value={formatMs(r.latency_ms.max)} />
      </div>
      <KeyValues
        items={[
          ['Python', [r.executor.implementation, r.executor.python_version].filter(Boolean).join(' ') || '—'],
          ['Executable', r.executor.executable ? <Mono>{r.executor.executable}</Mono> : '—'],
          ['Plugins loaded', r.executor.plugins ?? '—'],
          ['PID', r.executor.pid ?? '—'],
        ]}
      />
    </Card>
  );
}
