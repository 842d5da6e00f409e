import { useEffect, useState, type ReactElement } from 'react';
import type { Provider, StatusClass } from '../../../../shared/dto/deliveries';
import { usePlugins } from '../../stores/plugins';
import type { ListFilter } from '../../stores/deliveries';

const STATUS: Array<[StatusClass, string]> = [['2xx', '2xx success'], ['3xx', '3xx redirect'], ['4xx', '4xx refused'], ['5xx', '5xx failed'], ['error', 'no answer']];
export const PROVIDERS: Array<[Provider, string]> = [['github', 'GitHub'], ['gitlab', 'GitLab'], ['stripe', 'Stripe'], ['slack', 'Slack'], ['standard-webhooks', 'Standard Webhooks'], ['shopify', 'Shopify']];
/** How long typing pauses before a text filter is sent. */
const TYPING_MS = 300;

/** `2026-11-30T12:00` (a datetime-local value, local time) → ISO, or undefined. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

function isoToLocal(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Drops empty fields, so an unset filter is `{}`. */
function clean(f: ListFilter): ListFilter {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '') out[k] = v;
  return out as ListFilter;
}

export function DeliveryFilters({ filter, onChange }: { filter: ListFilter; onChange(filter: ListFilter): void }): ReactElement {
  const plugins = usePlugins();
  const [q, setQ] = useState(filter.q ?? '');
  const [event, setEvent] = useState(filter.event ?? '');
  useEffect(() => {
    if (!plugins.loaded && !plugins.loading) void plugins.load();
  }, [plugins]);
  useEffect(() => {
    if ((filter.q ?? '') === q.trim() && (filter.event ?? '') === event.trim()) return;
    const t = setTimeout(() => onChange(clean({ ...filter, q: q.trim() || undefined, event: event.trim() || undefined })), TYPING_MS);
    return () => clearTimeout(t);
  }, [q, event, filter, onChange]);
  const set = (patch: Partial<ListFilter>): void => onChange(clean({ ...filter, ...patch }));
  const names = (plugins.data?.plugins ?? []).map((p) => p.name);
  if (filter.plugin && !names.includes(filter.plugin)) names.push(filter.plugin);

  return (
    <div className="toolbar deliveries-filters" role="toolbar" aria-label="Delivery filters">
      <label className="toolbar-field">
        <span>Plugin</span>
        <select className="input" value={filter.plugin ?? ''} onChange={(e) => set({ plugin: e.target.value || undefined })}>
          <option value="">all</option>
          {names.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
      </label>
      <label className="toolbar-field">
        <span>Status</span>
        <select className="input" value={filter.status ?? ''} onChange={(e) => set({ status: (e.target.value || undefined) as StatusClass | undefined })}>
          <option value="">any</option>
          {STATUS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
        </select>
      </label>
      <label className="toolbar-field">
        <span>Provider</span>
        <select className="input" value={filter.provider ?? ''} onChange={(e) => set({ provider: (e.target.value || undefined) as Provider | undefined })}>
          <option value="">any</option>
          {PROVIDERS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
        </select>
      </label>
      <label className="toolbar-field">
        <span>Event</span>
        <input className="input" placeholder="e.g. push" value={event} onChange={(e) => setEvent(e.target.value)} />
      </label>
      <label className="toolbar-field">
        <span>From</span>
        <input className="input" type="datetime-local" value={isoToLocal(filter.since)} onChange={(e) => set({ since: localToIso(e.target.value) })} />
      </label>
      <label className="toolbar-field">
        <span>To</span>
        <input className="input" type="datetime-local" value={isoToLocal(filter.until)} onChange={(e) => set({ until: localToIso(e.target.value) })} />
      </label>
      <label className="toolbar-field grow">
        <span>Search</span>
        <input className="input" type="search" placeholder="Text in path, headers or body" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
    </div>
  );
}
