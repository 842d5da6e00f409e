import { memo, useCallback, useEffect, useState, type ReactElement } from 'react';
import type { DeliverySummary } from '../../../shared/dto/deliveries';
import { getApi } from '../api/runtime';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Banner, Button, EmptyState, ErrorState, PageHeader, Skeleton } from '../components/ui';
import { Icon } from '../components/icons';
import { VirtualList } from '../components/VirtualList';
import { formatClock, formatMs } from '../lib/format';
import { useDeliveries, type ListFilter } from '../stores/deliveries';
import { useStream } from '../stores/stream';
import { DeliveryDetail } from './deliveries/DeliveryDetail';
import { DeliveryFilters } from './deliveries/DeliveryFilters';
import { statusTone } from './deliveries/status';
import { useCall } from './deliveries/use-call';

export const ROW_HEIGHT = 36;

const Row = memo(function Row({ d, onPick }: { d: DeliverySummary; onPick(id: string): void }): ReactElement {
  return (
    <button type="button" className="delivery-row" role="gridcell" onClick={() => onPick(d.id)} title={d.error ?? undefined}>
      <span className="d-time" title={d.received_at}>{formatClock(d.received_at)}</span>
      <span className={`d-status tone-${statusTone(d)}`}>{d.status ?? (d.state === 'done' ? 'err' : d.state)}</span>
      <span className="d-method">{d.method}</span>
      <span className="d-plugin">{d.plugin}</span>
      <span className="d-event">{d.provider ? `${d.provider}${d.event ? ` · ${d.event}` : ''}` : (d.event ?? '')}</span>
      <span className="d-duration">{formatMs(d.duration_ms)}</span>
      <span className="d-flags">{d.replay_of ? '↻' : ''}{d.attempt > 1 ? ` ×${d.attempt}` : ''}</span>
    </button>
  );
});

export function DeliveriesPage(): ReactElement {
  const { rows, loaded, loading, error, filter, nextCursor, unseen, selected, detail, detailError, load, loadMore, setFilter, select } = useDeliveries();
  const stream = useStream((s) => s.state);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const deleting = useCall();
  useEffect(() => {
    if (!loaded && !loading) void load();
  }, [loaded, loading, load]);
  const onFilter = useCallback((f: ListFilter) => setFilter(f), [setFilter]);
  const renderRow = useCallback((d: DeliverySummary) => <Row d={d} onPick={select} />, [select]);
  const filtered = Object.keys(filter).length > 0;

  const doDelete = async (): Promise<void> => {
    const done = await deleting.run(() => getApi().client.deleteDeliveries(filter));
    setConfirmDelete(false);
    if (done) {
      select(null);
      void load();
    }
  };

  return (
    <div className="page page-fill deliveries-page">
      <PageHeader
        title="Deliveries"
        subtitle="Every webhook the bridge received, newest first: open one to see what was sent and answered, replay it, or export it."
        actions={
          <>
            <span className={`live-dot ${stream === 'open' ? 'on' : ''}`} aria-live="polite">{stream === 'open' ? 'live' : 'reconnecting…'}</span>
            <Button icon={<Icon name="refresh" />} busy={loading} onClick={() => void load()}>Reload</Button>
            <Button variant="danger" icon={<Icon name="trash" />} disabled={rows.length === 0} onClick={() => setConfirmDelete(true)}>
              {filtered ? 'Delete matching' : 'Delete all'}
            </Button>
          </>
        }
      />
      <DeliveryFilters filter={filter} onChange={onFilter} />
      {unseen > 0 && (
        <Banner tone="info" title={`${unseen} new deliver${unseen === 1 ? 'y' : 'ies'} may match the search`} actions={<Button small onClick={() => void load()}>Show</Button>} />
      )}
      {deleting.error && <Banner tone="danger" title="Could not delete">{deleting.error.message}</Banner>}
      <div className="deliveries-split">
        <div className="deliveries-list">
          <div className="delivery-row delivery-row-head" aria-hidden="true">
            <span>Time</span><span>Status</span><span>Method</span><span>Plugin</span><span>Provider · event</span><span>Duration</span><span />
          </div>
          {!loaded ? (
            <Skeleton rows={6} height={36} />
          ) : error && rows.length === 0 ? (
            <ErrorState error={error} onRetry={() => void load()} />
          ) : rows.length === 0 ? (
            <EmptyState title={filtered ? 'No delivery matches the filter' : 'No deliveries yet'}>
              {filtered ? 'Change or clear the filters.' : 'Webhooks sent to /api/v1/webhook/<plugin> appear here as they arrive, and so do test requests from the Plugins page.'}
            </EmptyState>
          ) : (
            <VirtualList
              items={rows}
              rowHeight={ROW_HEIGHT}
              itemKey={(d) => d.id}
              renderRow={renderRow}
              label="Deliveries"
              activeKey={selected}
              onActivate={select}
              onEndReached={() => void loadMore()}
              className="deliveries-rows"
            />
          )}
          <p className="muted small log-foot">
            {rows.length.toLocaleString()} shown{nextCursor ? ', more on scroll' : ''}
          </p>
        </div>
        <div className="deliveries-detail">
          {!selected ? (
            <EmptyState title="No delivery open">Pick one in the list (arrow keys move through it).</EmptyState>
          ) : detailError ? (
            <ErrorState error={detailError} onRetry={() => void useDeliveries.getState().refreshDetail()} />
          ) : !detail ? (
            <Skeleton rows={4} height={56} />
          ) : (
            <DeliveryDetail delivery={detail} />
          )}
        </div>
      </div>
      {confirmDelete && (
        <ConfirmDialog
          title={filtered ? 'Delete the matching deliveries?' : 'Delete every delivery?'}
          confirmLabel="Delete"
          danger
          busy={deleting.busy}
          onConfirm={() => void doDelete()}
          onCancel={() => setConfirmDelete(false)}
        >
          {filtered ? 'Every recorded delivery that matches the filters is deleted, also those not loaded in the list.' : 'The whole delivery history is deleted.'} This cannot be undone.
        </ConfirmDialog>
      )}
    </div>
  );
}
