/**
 * Dedup by provider delivery id: a delivery repeating one already received for the same plugin,
 * provider and provider delivery id within `inbox.dedup_window_seconds` is not run again while the
 * original is queued or running, nor once it ended 2xx/3xx; after a failure it runs again.
 *
 * Sync deliveries are written behind their response (group commit), so the store alone would miss an
 * original still running or just finished: `DedupIndex` keeps those in memory until their record is
 * committed, and asks the store (one indexed lookup, no lookup at all for a delivery without a
 * provider id) for the rest.
 */
import type { DeliveryState, Provider } from '../../../shared/dto/deliveries.js';

/** The delivery a new one repeats. */
export interface DuplicateOf {
  id: string;
  state: DeliveryState;
  /** Its HTTP status, null while none. */
  status: number | null;
  receivedMs: number;
}

export interface DedupKey {
  plugin: string;
  provider: Provider;
  providerDeliveryId: string;
}

/** Whether a repeat of `original` runs again: only when the original failed (dead, or ended other than 2xx/3xx). */
export function runsAgain(original: DuplicateOf): boolean {
  if (original.state === 'queued' || original.state === 'running') return false;
  if (original.state === 'dead') return true;
  return original.status === null || original.status < 200 || original.status >= 400;
}

export interface DedupDeps {
  /** The store's lookup (newest match received at or after `sinceMs`), or null while there is no store. */
  lookup(key: DedupKey, sinceMs: number): DuplicateOf | null;
  /** The window in ms; 0 = off. Read at each lookup. */
  windowMs(): number;
  /** Wall-clock ms. */
  now(): number;
}

/** In-memory entries at most (deliveries not yet committed: a failing store must not grow it without end). */
const PENDING_MAX = 10_000;

const keyOf = (k: DedupKey): string => `${k.plugin}\n${k.provider}\n${k.providerDeliveryId}`;

export class DedupIndex {
  private readonly pending = new Map<string, DuplicateOf>();
  private readonly keysById = new Map<string, string>();

  constructor(private readonly deps: DedupDeps) {}

  enabled(): boolean {
    return this.deps.windowMs() > 0;
  }

  /** The newest delivery `key` repeats within the window, or null (none, or dedup is off). */
  find(key: DedupKey): DuplicateOf | null {
    const windowMs = this.deps.windowMs();
    if (windowMs <= 0) return null;
    const since = this.deps.now() - windowMs;
    const mem = this.pending.get(keyOf(key));
    if (mem && mem.receivedMs >= since) return mem;
    try {
      return this.deps.lookup(key, since);
    } catch {
      // an unreadable store must not stop a webhook: it runs
      return null;
    }
  }

  /** A sync delivery with a provider id started running. */
  started(key: DedupKey, id: string, receivedMs: number): void {
    this.set(keyOf(key), id, { id, state: 'running', status: null, receivedMs });
  }

  /** It ended with `status` (its record is not committed yet). */
  finished(id: string, status: number): void {
    const k = this.keysById.get(id);
    const entry = k === undefined ? undefined : this.pending.get(k);
    if (entry?.id !== id) return;
    entry.state = 'done';
    entry.status = status;
  }

  /** These deliveries are in the store now: the store answers for them. */
  committed(ids: Iterable<string>): void {
    for (const id of ids) {
      const k = this.keysById.get(id);
      if (k === undefined) continue;
      this.keysById.delete(id);
      if (this.pending.get(k)?.id === id) this.pending.delete(k);
    }
  }

  /** Entries held in memory now. */
  size(): number {
    return this.pending.size;
  }

  private set(k: string, id: string, entry: DuplicateOf): void {
    const before = this.pending.get(k);
    if (before) this.keysById.delete(before.id);
    this.pending.delete(k);
    this.pending.set(k, entry);
    this.keysById.set(id, k);
    while (this.pending.size > PENDING_MAX) {
      const [oldest] = this.pending;
      if (!oldest) break;
      this.pending.delete(oldest[0]);
      this.keysById.delete(oldest[1].id);
    }
  }
}
