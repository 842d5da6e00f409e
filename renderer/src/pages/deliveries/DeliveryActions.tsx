import { useEffect, useState, type ReactElement } from 'react';
import type { Delivery } from '../../../../shared/dto/deliveries';
import type { DeliveryExport } from '../../../../shared/dto/delivery-ops';
import { getApi } from '../../api/runtime';
import { Banner, Button } from '../../components/ui';
import { Icon } from '../../components/icons';
import { useDeliveries } from '../../stores/deliveries';
import { useInterpreters } from '../../stores/interpreters';
import { useCall } from './use-call';

/** Saves an export as a file through the browser's download. */
function download(exp: DeliveryExport): void {
  const bytes = exp.encoding === 'base64' ? Uint8Array.from(atob(exp.content), (c) => c.charCodeAt(0)) : new TextEncoder().encode(exp.content);
  const url = URL.createObjectURL(new Blob([bytes], { type: exp.media_type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = exp.filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Replay (under a chosen interpreter), Copy as curl, Export as pytest, and the raw request. */
export function DeliveryActions({ delivery }: { delivery: Delivery }): ReactElement {
  const interpreters = useInterpreters();
  const replayed = useDeliveries((s) => s.replayed);
  const refreshDetail = useDeliveries((s) => s.refreshDetail);
  const retrying = useCall();
  const [interpreter, setInterpreter] = useState('');
  const [curl, setCurl] = useState<{ text: string; copied: boolean; notes: string[] } | null>(null);
  const [saved, setSaved] = useState<DeliveryExport | null>(null);
  const replay = useCall();
  const exporting = useCall();
  useEffect(() => {
    if (!interpreters.loaded && !interpreters.loading) void interpreters.load();
  }, [interpreters]);
  useEffect(() => {
    setCurl(null);
    setSaved(null);
    replay.clear();
    exporting.clear();
    retrying.clear();
    // only a new delivery resets the outcomes
  }, [delivery.id]);

  const doReplay = async (): Promise<void> => {
    const input = interpreter ? { id: delivery.id, interpreter } : { id: delivery.id };
    const result = await replay.run(() => getApi().client.replayDelivery(input));
    if (result) replayed(delivery.id, result);
  };
  /** A dead delivery goes back to the queue: the same delivery, more attempts. */
  const doRetry = async (): Promise<void> => {
    const result = await retrying.run(() => getApi().client.retryDelivery({ id: delivery.id }));
    if (result) void refreshDetail();
  };
  const doCurl = async (): Promise<void> => {
    const exp = await exporting.run(() => getApi().client.exportDelivery({ id: delivery.id, format: 'curl' }));
    if (exp) setCurl({ text: exp.content, copied: await copyText(exp.content), notes: exp.notes });
  };
  const doExport = async (format: 'pytest' | 'http'): Promise<void> => {
    const exp = await exporting.run(() => getApi().client.exportDelivery({ id: delivery.id, format }));
    if (!exp) return;
    download(exp);
    setSaved(exp);
  };
  const list = interpreters.data?.interpreters ?? [];

  return (
    <div className="detail-actions">
      <div className="action-row">
        <label className="toolbar-field">
          <span>Interpreter</span>
          <select className="input" aria-label="Replay under interpreter" value={interpreter} onChange={(e) => setInterpreter(e.target.value)}>
            <option value="">the plugin's own</option>
            {list.map((i) => <option key={i.key} value={i.key}>{i.name || i.key}{i.active ? ' (active)' : ''}</option>)}
          </select>
        </label>
        {delivery.state === 'dead' && (
          <Button variant="primary" icon={<Icon name="refresh" />} busy={retrying.busy} onClick={() => void doRetry()} title="Queue this delivery again: more attempts, every earlier one kept">Retry</Button>
        )}
        <Button variant={delivery.state === 'dead' ? 'secondary' : 'primary'} icon={<Icon name="refresh" />} busy={replay.busy} onClick={() => void doReplay()}>Replay</Button>
        <Button icon={<Icon name="send" />} busy={exporting.busy} onClick={() => void doCurl()}>Copy as curl</Button>
        <Button icon={<Icon name="python" />} onClick={() => void doExport('pytest')}>Export as pytest</Button>
        <Button icon={<Icon name="arrowDown" />} onClick={() => void doExport('http')}>Raw HTTP</Button>
      </div>
      {retrying.error && <Banner tone="danger" title="The retry was refused">{retrying.error.message}</Banner>}
      {replay.error && <Banner tone="danger" title="The replay failed">{replay.error.message}</Banner>}
      {exporting.error && <Banner tone="danger" title="The export failed">{exporting.error.message}</Banner>}
      {curl && (
        <div className="export-out" aria-live="polite">
          <p className="small">{curl.copied ? 'Copied to the clipboard:' : 'The clipboard refused it: select the command and copy it.'}</p>
          <pre className="code" aria-label="curl command">{curl.text}</pre>
          {curl.notes.map((n) => <p key={n} className="muted small">{n}</p>)}
        </div>
      )}
      {saved && (
        <div className="export-out" aria-live="polite">
          <p className="small">Saved <span className="mono">{saved.filename}</span>{saved.format === 'pytest' ? ': run it with python3 -m pytest.' : '.'}</p>
          {saved.notes.map((n) => <p key={n} className="muted small">{n}</p>)}
        </div>
      )}
    </div>
  );
}
