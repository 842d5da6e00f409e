import { create } from 'zustand';
import type { LogEntry } from '../../../shared/dto/logs';
import { getApi } from '../api/runtime';
import { toApiError, type ApiError } from '../api/api-error';

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
  /** The server run the entries come from (`LogPage.instance`); null until the first page or line. */
  instance: string | null;
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
  instance: null,
  loading: false,
  loaded: false,
  error: null,

  async load() {
    set({ loading: true });
    try {
      const page = await getApi().client.getLogs({ limit: MAX_LOG_LINES });
      const cur = get();
      if (cur.instance !== null && cur.instance !== page.instance) {
        // another server run: its seq values say nothing about ours; keep only its own lines
        const keep = cur.entries.filter((e) => e.instance === page.instance);
        const entries = mergeLogs(keep, page.entries);
        const lastSeq = Math.max(page.last_seq, keep.at(-1)?.seq ?? 0);
        set({ entries, lastSeq, instance: page.instance, loading: false, loaded: true, error: null });
        return;
      }
      const entries = mergeLogs(cur.entries, page.entries);
      set({ entries, lastSeq: Math.max(cur.lastSeq, page.last_seq), instance: page.instance, loading: false, loaded: true, error: null });
    } catch (err) {
      set({ loading: false, loaded: true, error: toApiError(err) });
    }
  },

  async resume() {
    if (!get().loaded) return;
    try {
      const { lastSeq: since, instance } = get();
      const page = await getApi().client.getLogs({ since, limit: MAX_LOG_LINES });
      if (page.instance !== instance || page.last_seq < since) {
        // the server restarted (seq counts from 1 again, and may already be past `since`): start over
        set({ entries: [], lastSeq: 0, instance: null });
        await get().load();
        return;
      }
      set({ entries: mergeLogs(get().entries, page.entries), lastSeq: Math.max(since, page.last_seq), error: null });
    } catch (err) {
      set({ error: toApiError(err) });
    }
  },

  append(entry) {
    const cur = get();
    if (cur.instance !== null && entry.instance !== cur.instance) {
      // a line from a new server run: drop the old run's lines and read what the new one logged before it
      set({ entries: [entry], lastSeq: entry.seq, instance: entry.instance });
      if (cur.loaded) void get().load();
      return;
    }
    const entries = mergeLogs(cur.entries, [entry]);
    if (entries !== cur.entries) set({ entries, lastSeq: Math.max(cur.lastSeq, entry.seq), instance: entry.instance });
    else if (cur.instance === null) set({ instance: entry.instance });
  },
}));
