import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import type { LogLevel } from '../../../shared/dto/config';
import type { LogEntry } from '../../../shared/dto/logs';
import { Button, EmptyState, ErrorState, PageHeader, Skeleton } from '../components/ui';
import { Icon } from '../components/icons';
import { formatClock } from '../lib/format';
import { MAX_LOG_LINES, useLogs } from '../stores/logs';
import { useStream } from '../stores/stream';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Entries at or above `level` whose message or source contains `text` (case-insensitive). */
export function filterLogs(entries: readonly LogEntry[], level: LogLevel, text: string): LogEntry[] {
  const needle = text.trim().toLowerCase();
  const min = RANK[level];
  return entries.filter((e) => RANK[e.level] >= min && (!needle || e.message.toLowerCase().includes(needle) || e.source.toLowerCase().includes(needle)));
}

const Row = memo(function Row({ e }: { e: LogEntry }): ReactElement {
  return (
    <div className={`log-row lvl-${e.level}`} role="row">
      <span className="log-time" role="cell" title={e.time}>{formatClock(e.time)}</span>
      <span className="log-level" role="cell">{e.level}</span>
      <span className="log-source" role="cell">{e.source}</span>
      <span className="log-msg" role="cell">{e.message}</span>
    </div>
  );
});

export function LogsPage(): ReactElement {
  const { entries, loaded, error, load } = useLogs();
  const stream = useStream((s) => s.state);
  const [level, setLevel] = useState<LogLevel>('debug');
  const [text, setText] = useState('');
  const [frozen, setFrozen] = useState<LogEntry[] | null>(null);
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!loaded) void load();
  }, [loaded, load]);

  const source = frozen ?? entries;
  const shown = useMemo(() => filterLogs(source, level, text), [source, level, text]);
  const waiting = frozen ? countNewer(entries, frozen) : 0;

  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown, follow]);

  const onScroll = (): void => {
    const el = box.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    if (!atBottom && follow) setFollow(false);
    else if (atBottom && !follow) setFollow(true);
  };

  return (
    <div className="page page-fill">
      <PageHeader
        title="Logs"
        subtitle={`Live tail of the app and the executor (last ${MAX_LOG_LINES.toLocaleString()} lines kept).`}
      />
      <div className="toolbar" role="toolbar" aria-label="Log filters">
        <label className="toolbar-field">
          <span>Level</span>
          <select className="input" value={level} onChange={(e) => setLevel(e.target.value as LogLevel)}>
            <option value="debug">all</option>
            <option value="info">info and above</option>
            <option value="warn">warnings and errors</option>
            <option value="error">errors only</option>
          </select>
        </label>
        <label className="toolbar-field grow">
          <span>Filter</span>
          <input className="input" type="search" placeholder="Text in message or source" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <Button icon={<Icon name={frozen ? 'play' : 'pause'} />} aria-pressed={frozen !== null} onClick={() => setFrozen(frozen ? null : entries)}>
          {frozen ? `Resume${waiting > 0 ? ` (${waiting} new)` : ''}` : 'Pause'}
        </Button>
        <Button icon={<Icon name="arrowDown" />} aria-pressed={follow} variant={follow ? 'primary' : 'secondary'} onClick={() => setFollow(!follow)}>
          Follow
        </Button>
        <span className={`live-dot ${stream === 'open' && !frozen ? 'on' : ''}`} aria-live="polite">
          {frozen ? 'paused' : stream === 'open' ? 'live' : 'reconnecting…'}
        </span>
      </div>
      {!loaded && !error ? (
        <Skeleton rows={6} height={36} />
      ) : error && entries.length === 0 ? (
        <ErrorState error={error} onRetry={() => void load()} />
      ) : (
        <div className="log-box" ref={box} onScroll={onScroll} role="table" aria-label="Log lines" aria-rowcount={shown.length} tabIndex={0}>
          {shown.length === 0 ? (
            <EmptyState title={entries.length ? 'No line matches the filter' : 'No log lines yet'}>
              {entries.length ? 'Change the level or the text filter.' : 'Lines appear here as the app and the executor write them.'}
            </EmptyState>
          ) : (
            shown.map((e) => <Row key={e.seq} e={e} />)
          )}
        </div>
      )}
      <p className="muted small log-foot">
        {shown.length.toLocaleString()} of {source.length.toLocaleString()} lines shown
      </p>
    </div>
  );
}

/** Lines in `now` newer than the last one of `then` (the count shown while paused). */
function countNewer(now: readonly LogEntry[], then: readonly LogEntry[]): number {
  const last = then.length ? (then[then.length - 1] as LogEntry).seq : -1;
  let n = 0;
  for (let i = now.length - 1; i >= 0 && (now[i] as LogEntry).seq > last; i--) n++;
  return n;
}
