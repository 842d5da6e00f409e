import { create } from 'zustand';
import type { LogEntry } from '../../../shared/dto/logs';
import { getApi } from '../api/runtime';
import { toApiError, type ApiError } from '../api/errors';

/** How many lines the dashboard keeps; older ones are dropped. */
export const MAX_LOG_LINES = 3000;

/**
 * Merges entries into a seq-ordered list without duplicates and keeps the newest `max`.
 * Returns `existing` itself when nothing new came in (so views do not re-render).
 */
export function mergeLogs(existing: readonly LogEntry[], incoming: readonly LogEntry[], max = MAX_LOG_LINES): LogEntry[] {
  if (incoming.length === 0) return existing as LogEntry[];
  const last = existing.length ? (existing[existing.length - 1] as LogEntry).seq : -1;
  let out: LogEntry[];
  if (incoming.every((e, i) => e.seq > last && (i === 0 || e.seq > (incoming[i - 1] as LogEntry).seq))) {
    out = existing.concat(incoming);
  } else {
    const bySeq = new Map<number, LogEntry>();
    for (const e of existing) bySeq.set(e.seq, e);
    let added = false;
    for (const e of incoming) {
      if (!bySeq.has(e.seq)) {
        bySeq.set(e.seq, e);
        added = true;
      }
    }
    if (!added) return existing as LogEntry[];
    out = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
  return out.length > max ? out.slice(out.length - max) : out;
}

export interface LogsStore {
  entries: LogEntry[];
  lastSeq: number;
  loading: boolean;
  loaded: boolean;
  error: ApiError | null;
  load(): Promise<void>;
  /** After the event feed re-opened: reads what was missed (or everything, when the server restarted). */
  resume(): Promise<void>;
  append(entry: LogEntry): void;
}

export const useLogs = create<LogsStore>()((set, get) => ({
  entries: [],
  lastSeq: 0,
  loading: false,
  loaded: false,
  error: null,

  async load() {
    set({ loading: true });
    try {
      const page = await getApi().client.getLogs({ limit: MAX_LOG_LINES });
      const entries = mergeLogs(get().entries, page.entries);
      set({ entries, lastSeq: Math.max(get().lastSeq, page.last_seq), loading: false, loaded: true, error: null });
    } catch (err) {
      set({ loading: false, loaded: true, error: toApiError(err) });
    }
  },

  async resume() {
    if (!get().loaded) return;
    try {
      const since = get().lastSeq;
      const page = await getApi().client.getLogs({ since, limit: MAX_LOG_LINES });
      if (page.last_seq < since) {
        // the server restarted and counts from 1 again: start over
        set({ entries: [], lastSeq: 0 });
        await get().load();
        return;
      }
      set({ entries: mergeLogs(get().entries, page.entries), lastSeq: Math.max(since, page.last_seq), error: null });
    } catch (err) {
      set({ error: toApiError(err) });
    }
  },

  append(entry) {
    const entries = mergeLogs(get().entries, [entry]);
    if (entries !== get().entries) set({ entries, lastSeq: Math.max(get().lastSeq, entry.seq) });
  },
}));
