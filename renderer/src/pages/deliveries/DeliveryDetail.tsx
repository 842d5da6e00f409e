import { useEffect, useState, type ReactElement } from 'react';
import type { Delivery, SignatureVerdict } from '../../../../shared/dto/deliveries';
import { getApi } from '../../api/runtime';
import { Badge, Banner, KeyValues, Mono, type Tone } from '../../components/ui';
import { Icon } from '../../components/icons';
import { formatDateTime, formatMs } from '../../lib/format';
import { useDeliveries } from '../../stores/deliveries';
import { DeliveryActions } from './DeliveryActions';
import { MessageView } from './MessageView';
import { SideBySide } from './SideBySide';
import { statusTone } from './status';

const VERDICT: Record<SignatureVerdict, [string, Tone, string]> = {
  verified: ['signature verified', 'ok', "The sender's signature matched the plugin's secret"],
  rejected: ['signature rejected', 'danger', "The signature did not match the plugin's secret: the plugin did not run"],
  not_checked: ['not signed', 'neutral', 'The plugin has no secret: nothing was checked'],
  trusted_replay: ['trusted replay', 'info', 'A replay of a verified delivery, run without the sender\'s secret'],
  unknown: ['signature unknown', 'neutral', 'No answer told whether the signature was checked'],
};

type Tab = 'request' | 'response';

export function DeliveryDetail({ delivery }: { delivery: Delivery }): ReactElement {
  const [tab, setTab] = useState<Tab>('request');
  const select = useDeliveries((s) => s.select);
  const replay = useDeliveries((s) => s.replays[delivery.id]);
  const original = useOriginal(delivery.replay_of);
  const [label, tone, why] = VERDICT[delivery.signature];
  const tabs: Array<[Tab, string]> = [['request', 'Request'], ['response', delivery.response ? `Response ${delivery.response.status}` : 'Response']];
  return (
    <section className="delivery-detail" aria-label="Delivery">
      <header className="detail-head">
        <div className="detail-title">
          <Badge tone={statusTone(delivery)} dot>{delivery.status ?? (delivery.state === 'done' ? 'no answer' : delivery.state)}</Badge>
          <h2 className="mono">{delivery.method} {delivery.request.path}{delivery.request.query ? `?${delivery.request.query}` : ''}</h2>
        </div>
        <div className="detail-badges">
          <Badge tone={tone} title={why}><Icon name="shield" size={12} /> {label}</Badge>
          {delivery.provider && <Badge tone="info">{delivery.provider}{delivery.event ? ` · ${delivery.event}` : ''}</Badge>}
          {delivery.replay_of && <Badge tone="accent">replay</Badge>}
        </div>
      </header>
      <KeyValues
        items={[
          ['Delivery', <Mono key="id">{delivery.id}</Mono>],
          ['Plugin', delivery.plugin],
          ['Received', formatDateTime(delivery.received_at)],
          ['Duration', formatMs(delivery.duration_ms)],
          ['Interpreter', delivery.interpreter ?? '—'],
          ['Executor', delivery.executor_pid === null ? '—' : `pid ${delivery.executor_pid}, generation ${delivery.executor_generation ?? '?'}`],
          ...(delivery.provider_delivery_id ? [['Sender\'s id', <Mono key="pid">{delivery.provider_delivery_id}</Mono>] as [string, ReactElement]] : []),
          ...(delivery.replay_of
            ? [['Replays', <a key="orig" href="#" className="mono" onClick={(e) => { e.preventDefault(); select(delivery.replay_of); }}>{delivery.replay_of}</a>] as [string, ReactElement]]
            : []),
        ]}
      />
      {delivery.error_detail && <Banner tone="danger" title={delivery.error_detail.code}>{delivery.error_detail.message}</Banner>}
      <DeliveryActions delivery={delivery} />
      {replay && <SideBySide left={delivery} right={replay} leftTitle="Original" rightTitle="Replay" onOpen={select} />}
      {!replay && original && <SideBySide left={original} right={delivery} leftTitle="Original" rightTitle="This replay" onOpen={select} />}
      <div className="tabs" role="tablist" aria-label="Request and response">
        {tabs.map(([t, text]) => (
          <button key={t} type="button" role="tab" id={`tab-${t}`} aria-selected={tab === t} aria-controls={`panel-${t}`} className={`tab ${tab === t ? 'on' : ''}`} onClick={() => setTab(t)}>{text}</button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'request' ? (
          <MessageView label="Request" headers={delivery.request.headers} body={delivery.request.body} contentType={delivery.request.content_type} />
        ) : delivery.response ? (
          <MessageView label="Response" headers={delivery.response.headers} body={delivery.response.body} contentType={delivery.response.content_type} />
        ) : (
          <p className="muted">No response: {delivery.error ?? (delivery.state === 'queued' || delivery.state === 'running' ? 'not run yet' : 'the plugin gave no HTTP answer')}.</p>
        )}
      </div>
      <Attempts delivery={delivery} />
      <PluginLog delivery={delivery} />
    </section>
  );
}

/** The delivery a replay replays (for the side-by-side view), read once. */
function useOriginal(id: string | null): Delivery | null {
  const [original, setOriginal] = useState<Delivery | null>(null);
  useEffect(() => {
    setOriginal(null);
    if (!id) return;
    let live = true;
    getApi().client.getDelivery({ id }).then((d) => live && setOriginal(d), () => undefined);
    return () => {
      live = false;
    };
  }, [id]);
  return original;
}

function Attempts({ delivery }: { delivery: Delivery }): ReactElement {
  return (
    <div className="detail-section">
      <h3>Timing and attempts</h3>
      <table className="table attempts-table" aria-label="Attempts">
        <thead><tr><th scope="col">#</th><th scope="col">Started</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Executor</th><th scope="col">Error</th></tr></thead>
        <tbody>
          {delivery.attempts.map((a) => (
            <tr key={a.attempt}>
              <td>{a.attempt}</td>
              <td>{formatDateTime(a.started_at)}</td>
              <td>{a.status ?? '—'}</td>
              <td>{formatMs(a.duration_ms)}</td>
              <td>{a.executor_pid === null ? '—' : `pid ${a.executor_pid}`}</td>
              <td>{a.error ? `${a.error.code}: ${a.error.message}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {delivery.next_attempt_at && <p className="muted small">Next attempt {formatDateTime(delivery.next_attempt_at)}.</p>}
    </div>
  );
}

function PluginLog({ delivery }: { delivery: Delivery }): ReactElement {
  return (
    <div className="detail-section">
      <h3>Plugin log ({delivery.logs.length})</h3>
      {delivery.logs.length === 0 ? (
        <p className="muted small">The plugin logged nothing while handling this delivery.</p>
      ) : (
        <div className="log-box plugin-log" role="table" aria-label="Plugin log lines">
          {delivery.logs.map((l, i) => (
            <div key={i} className={`log-row lvl-${l.level.toLowerCase()}`} role="row">
              <span className="log-time" role="cell">+{formatMs(l.at_ms)}</span>
              <span className="log-level" role="cell">{l.level}</span>
              <span className="log-source" role="cell">attempt {l.attempt}</span>
              <span className="log-msg" role="cell">{l.message}</span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
