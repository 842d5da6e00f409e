import type { ReactElement } from 'react';
import type { InboxStatus } from '../../../shared/dto/deliveries';
import { Badge, Card, KeyValues, Mono, type Tone } from '../components/ui';
import { formatDateTime } from '../lib/format';

const INBOX_VIEW: Record<InboxStatus['state'], { tone: Tone; label: string; text: string }> = {
  recording: { tone: 'ok', label: 'Recording', text: 'Every delivery is kept in the inbox (the Deliveries page).' },
  off: { tone: 'neutral', label: 'Off', text: 'Recording is turned off (inbox.enabled: false): webhooks are served, nothing is kept.' },
  failing: { tone: 'danger', label: 'Failing', text: 'The inbox cannot write: webhooks are still served, but deliveries are not kept until writing works again.' },
};

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** The delivery inbox's recording status (`ConnectionStatus.inbox`): on, off or failing with the reason, the database file, its size. */
export function InboxCard({ inbox }: { inbox: InboxStatus }): ReactElement {
  const view = INBOX_VIEW[inbox.state];
  return (
    <Card title="Delivery inbox" className="inbox-card">
      <div className="bound-head">
        <Badge tone={view.tone} dot>{view.label}</Badge>
        <span className="muted small">{view.text}</span>
      </div>
      {inbox.state === 'failing' && inbox.error && (
        <p className="danger-text" role="alert">
          {inbox.error}
          {inbox.failing_since ? ` (since ${formatDateTime(inbox.failing_since)})` : ''}
        </p>
      )}
      <KeyValues
        items={[
          ['Database', inbox.file ? <Mono>{inbox.file}</Mono> : '—'],
          ['Deliveries stored', inbox.deliveries === null || inbox.deliveries === undefined ? '—' : inbox.deliveries.toLocaleString('en-US')],
          ['Size on disk', formatBytes(inbox.size_bytes)],
          ['Not recorded', String(inbox.dropped)],
        ]}
      />
    </Card>
  );
}
