import { create } from 'zustand';
import type { Delivery, DeliveryFilter, DeliverySummary, StatusClass } from '../../../shared/dto/deliveries';
import { getApi } from '../api/runtime';
import { toApiError, type ApiError } from '../api/api-error';

/** Rows kept in the list; older ones drop off the end (the server keeps them: "Load older" reads them again). */
export const MAX_ROWS = 20_000;
/** One page read from the server. */
export const PAGE_SIZE = 500;
/** Live rows are gathered and added at most this often, so a burst of webhooks is one re-render. */
const FLUSH_MS = 100;

/** The list's filter: everything of `DeliveryFilter` but the paging. */
export type ListFilter = Omit<DeliveryFilter, 'cursor' | 'limit'>;

export function statusClass(d: Pick<DeliverySummary, 'status' | 'state'>): StatusClass | null {
  if (d.status === null) return d.state === 'done' || d.state === 'dead' ? 'error' : null;
  if (d.status >= 500) return '5xx';
  if (d.status >= 400) return '4xx';
  if (d.status >= 300) return '3xx';
  return d.status >= 200 ? '2xx' : null;
}

/**
 * Whether a pushed delivery belongs in the list under `filter`; null when only the server can tell
 * (the text search looks into headers and bodies the summary does not carry).
 */
export function matchesFilter(d: DeliverySummary, filter: ListFilter): boolean | null {
  if (filter.plugin && d.plugin !== filter.plugin) return false;
  if (filter.status && statusClass(d) !== filter.status) return false;
  if (filter.state && d.state !== filter.state) return false;
  if (filter.provider && d.provider !== filter.provider) return false;
  if (filter.event && d.event !== filter.event) return false;
  if (filter.replay_of && d.replay_of !== filter.replay_of) return false;
  const at = Date.parse(d.received_at);
  if (filter.since && at < Date.parse(filter.since)) return false;
  if (filter.until && at >= Date.parse(filter.until)) return false;
  return filter.q ? null : true;
}

/** New rows (newest first) on top of `rows`, changed ones replaced in place, at most `max` kept. */
export function mergeRows(rows: readonly DeliverySummary[], added: readonly DeliverySummary[], changed: ReadonlyMap<string, DeliverySummary>, max = MAX_ROWS): DeliverySummary[] {
  const known = new Set<string>();
  const top: DeliverySummary[] = [];
  for (let i = added.length - 1; i >= 0; i--) {
    const d = added[i] as DeliverySummary;
    if (known.has(d.id)) continue;
    known.add(d.id);
    top.push(changed.get(d.id) ?? d);
  }
  top.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const out = top;
  for (const r of rows) {
    if (known.has(r.id)) continue;
    out.push(changed.get(r.id) ?? r);
    if (out.length >= max) break;
  }
  return out.length > max ? out.slice(0, max) : out;
}

export interface DeliveriesStore {
  rows: DeliverySummary[];
  filter: ListFilter;
  nextCursor: string | null;
  loading: boolean;
  loaded: boolean;
  error: ApiError | null;
  /** Deliveries that arrived while the text search was on (only the server can match them). */
  unseen: number;
  selected: string | null;
  detail: Delivery | null;
  detailError: ApiError | null;
  /** The latest replay made from this page, by the id of the delivery it replays. */
  replays: Record<string, Delivery>;
  load(): Promise<void>;
  loadMore(): Promise<void>;
  setFilter(filter: ListFilter): void;
  select(id: string | null): void;
  /** Reads the selected delivery again (after an update event for it). */
  refreshDetail(): Promise<void>;
  applyChanges(kind: 'recorded' | 'updated', deliveries: readonly DeliverySummary[]): void;
  replayed(original: string, replay: Delivery): void;
}

let pendingAdded: DeliverySummary[] = [];
let pendingChanged = new Map<string, DeliverySummary>();
let flushTimer: ReturnType<typeof setTimeout> | null = null;
let loadSeq = 0;

export const useDeliveries = create<DeliveriesStore>()((set, get) => {
  const flush = (): void => {
    flushTimer = null;
    const added = pendingAdded;
    const changed = pendingChanged;
    pendingAdded = [];
    pendingChanged = new Map();
    const cur = get();
    set({ rows: mergeRows(cur.rows, added, changed) });
    // the open delivery changed, or arrived after it was picked (a test request's link): read it again
    const open = cur.selected;
    if (open && (changed.has(open) || (cur.detailError && added.some((a) => a.id === open)))) void get().refreshDetail();
  };

  return {
    rows: [],
    filter: {},
    nextCursor: null,
    loading: false,
    loaded: false,
    error: null,
    unseen: 0,
    selected: null,
    detail: null,
    detailError: null,
    replays: {},

    async load() {
      const seq = ++loadSeq;
      set({ loading: true });
      try {
        const page = await getApi().client.listDeliveries({ ...get().filter, limit: PAGE_SIZE });
        if (seq !== loadSeq) return; // a newer filter's load is under way
        set({ rows: page.items, nextCursor: page.next_cursor, loading: false, loaded: true, error: null, unseen: 0 });
      } catch (err) {
        if (seq === loadSeq) set({ loading: false, loaded: true, error: toApiError(err) });
      }
    },

    async loadMore() {
      const { nextCursor, filter, loading } = get();
      if (!nextCursor || loading) return;
      const seq = loadSeq;
      set({ loading: true });
      try {
        const page = await getApi().client.listDeliveries({ ...filter, cursor: nextCursor, limit: PAGE_SIZE });
        if (seq !== loadSeq) return;
        const known = new Set(get().rows.map((r) => r.id));
        const rows = get().rows.concat(page.items.filter((r) => !known.has(r.id)));
        set({ rows: rows.length > MAX_ROWS ? rows.slice(0, MAX_ROWS) : rows, nextCursor: page.next_cursor, loading: false, error: null });
      } catch (err) {
        if (seq === loadSeq) set({ loading: false, error: toApiError(err) });
      }
    },

    setFilter(filter) {
      set({ filter, rows: [], nextCursor: null, loaded: false });
      void get().load();
    },

    select(id) {
      if (id === get().selected) return;
      set({ selected: id, detail: null, detailError: null });
      if (id) void get().refreshDetail();
    },

    async refreshDetail() {
      const id = get().selected;
      if (!id) return;
      try {
        const detail = await getApi().client.getDelivery({ id });
        if (get().selected === id) set({ detail, detailError: null });
      } catch (err) {
        if (get().selected === id) set({ detailError: toApiError(err) });
      }
    },

    applyChanges(kind, deliveries) {
      const { filter, loaded, selected, detailError } = get();
      if (!loaded) {
        if (selected && detailError && deliveries.some((d) => d.id === selected)) void get().refreshDetail();
        return;
      }
      let unseen = 0;
      for (const d of deliveries) {
        if (kind === 'updated') {
          pendingChanged.set(d.id, d);
          continue;
        }
        const fits = matchesFilter(d, filter);
        if (fits === null) unseen++;
        else if (fits) pendingAdded.push(d);
      }
      if (unseen > 0) set({ unseen: get().unseen + unseen });
      flushTimer ??= setTimeout(flush, FLUSH_MS);
    },

    replayed(original, replay) {
      set({ replays: { ...get().replays, [original]: replay } });
    },
  };
});
