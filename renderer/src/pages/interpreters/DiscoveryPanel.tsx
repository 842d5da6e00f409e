import type { ReactElement } from 'react';
import type { DiscoveredInterpreter } from '../../../../shared/interpreters-discovery';
import { Badge, Button, Card, EmptyState, ErrorState, Mono, Skeleton } from '../../components/ui';
import { Icon } from '../../components/icons';
import { formatMs } from '../../lib/format';
import { useInterpreters } from '../../stores/interpreters';
import { addable, displayName, kindLabel } from './discovered';

/** Interpreters found on this machine that are not configured yet; "Add…" opens the form filled in. */
export function DiscoveryPanel({ onAdd, onClose }: { onAdd(i: DiscoveredInterpreter): void; onClose(): void }): ReactElement {
  const { loading, result, error } = useInterpreters((s) => s.discovery);
  const discover = useInterpreters((s) => s.discover);
  const all = result?.interpreters ?? [];
  const fresh = addable(all);
  const broken = all.filter((i) => i.broken !== null && i.configured === null);
  const configured = all.length - fresh.length - broken.length;
  return (
    <Card
      title="Found on this machine"
      className="discovery"
      actions={
        <>
          <Button small icon={<Icon name="refresh" size={14} />} busy={loading} onClick={() => void discover(true)}>
            Search again
          </Button>
          <Button small variant="ghost" onClick={onClose}>
            Close
          </Button>
        </>
      }
    >
      {error && !result ? (
        <ErrorState error={error} title="Discovery failed" onRetry={() => void discover(true)} />
      ) : !result ? (
        <Skeleton rows={3} height={36} />
      ) : fresh.length === 0 && broken.length === 0 ? (
        <EmptyState title="Nothing new found">
          {configured > 0 ? `All ${configured} interpreter${configured === 1 ? '' : 's'} found here are already added.` : 'No Python interpreter was found. Add one by path instead.'}
        </EmptyState>
      ) : (
        <>
          <ul className="found-list">
            {fresh.map((i) => (
              <li key={i.path} className="found-row">
                <div className="found-main">
                  <span className="found-name">{displayName(i)}</span>
                  <Mono>{i.path}</Mono>
                  {i.aliases.length > 0 && <span className="muted small">also {i.aliases.slice(0, 2).join(', ')}{i.aliases.length > 2 ? '…' : ''}</span>}
                </div>
                <div className="found-meta">
                  <Badge>{kindLabel(i.kind)}</Badge>
                  {i.architecture && <Badge>{i.architecture}</Badge>}
                </div>
                <Button small variant="primary" icon={<Icon name="plus" size={14} />} onClick={() => onAdd(i)} aria-label={`Add ${displayName(i)} at ${i.path}`}>
                  Add…
                </Button>
              </li>
            ))}
          </ul>
          {broken.length > 0 && (
            <details className="found-broken">
              <summary>{broken.length} found but not usable</summary>
              <ul className="found-list">
                {broken.map((i) => (
                  <li key={i.path} className="found-row is-broken">
                    <div className="found-main">
                      <span className="found-name">{i.version ? `Python ${i.version}` : 'Python'} ({kindLabel(i.kind)})</span>
                      <Mono>{i.path}</Mono>
                    </div>
                    <span className="danger-text small">{i.broken?.reason}</span>
                  </li>
                ))}
              </ul>
            </details>
          )}
          <p className="muted small found-foot">
            {configured > 0 && `${configured} already added · `}searched in {formatMs(result.stats.durationMs)}
            {result.stats.processesStarted > 0 && `, ${result.stats.processesStarted} probe${result.stats.processesStarted === 1 ? '' : 's'}`}
          </p>
        </>
      )}
    </Card>
  );
}
