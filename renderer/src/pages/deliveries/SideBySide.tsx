import type { ReactElement } from 'react';
import type { Delivery } from '../../../../shared/dto/deliveries';
import { Badge } from '../../components/ui';
import { formatMs } from '../../lib/format';
import { bodyText } from './MessageView';
import { statusTone } from './status';

function Column({ d, title, onOpen }: { d: Delivery; title: string; onOpen(id: string): void }): ReactElement {
  return (
    <div className="compare-col" aria-label={`${title} response`}>
      <div className="compare-head">
        <strong>{title}</strong>
        <Badge tone={statusTone(d)} dot>{d.status ?? 'no answer'}</Badge>
        <span className="muted small">{formatMs(d.duration_ms)} · {d.interpreter ?? 'interpreter unknown'}</span>
        <a href="#" className="small mono" onClick={(e) => { e.preventDefault(); onOpen(d.id); }}>{d.id.slice(-8)}</a>
      </div>
      <pre className="code compare-body">{d.response ? bodyText(d.response.body, 'pretty') : (d.error ?? 'no response')}</pre>
    </div>
  );
}

/** The original's response beside its replay's. */
export function SideBySide({ left, right, leftTitle, rightTitle, onOpen }: { left: Delivery; right: Delivery; leftTitle: string; rightTitle: string; onOpen(id: string): void }): ReactElement {
  const same = left.status === right.status && left.response?.body.data === right.response?.body.data;
  return (
    <div className="detail-section">
      <h3>Original and replay {same ? <Badge tone="ok">same answer</Badge> : <Badge tone="warn">answers differ</Badge>}</h3>
      <div className="compare" role="group" aria-label="Original and replayed responses">
        <Column d={left} title={leftTitle} onOpen={onOpen} />
        <Column d={right} title={rightTitle} onOpen={onOpen} />
      </div>
    </div>
  );
}
