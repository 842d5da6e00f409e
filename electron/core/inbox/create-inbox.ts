/**
 * The inbox, built once by create-core: the delivery database in the data folder
 * (`<data>/inbox/deliveries.db`), the group-commit writer, background retention and the recorder
 * that wraps the executor. Reads `inbox.*` from the settings at each use, so edits apply live.
 * A database that cannot be opened at all leaves recording `failing` with the reason: webhooks are
 * still served. One that turns corrupt while in use is replaced by a new one (store-holder.ts).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Delivery, DeliveryDeleteFilter, DeliveryFilter, DeliveryPage, DeliverySummary, InboxStatus } from '../../../shared/dto/deliveries.js';
import { AppError, errorMessage } from '../app-error.js';
import type { Settings } from '../config/schema.js';
import { Emitter, type Event } from '../events.js';
import type { Executor } from '../services.js';
import { DedupIndex, type DedupKey, type DuplicateOf } from './dedup.js';
import { IdGenerator } from './ids.js';
import { RecordingExecutor } from './recorder.js';
import { summaryDto } from './rows.js';
import { StoreHolder } from './store-holder.js';
import type { PendingRow } from './store.js';
import type { DeliveryRecord, LogChannel } from './types.js';
import { GroupWriter, type Write } from './writer.js';

export interface InboxOptions {
  /** The app's data folder; the database goes in its `inbox/` folder. */
  dataDir: string;
  settings: () => Settings['inbox'];
  log: LogChannel;
  now: () => Date;
  /** Group commit: the longest a record waits, and the batch that is written at once (defaults 20 ms, 256). */
  commitDelayMs?: number;
  commitMaxRows?: number;
  /** Retention: one step every `pruneIntervalMs` (default 30 s), at most `pruneBatch` rows a step (default 500). */
  pruneIntervalMs?: number;
  pruneBatch?: number;
  /** SQLite's page cache in pages (tests: a tiny one makes every read reach the file). */
  cachePages?: number;
}

export interface DeliveryChange {
  kind: 'recorded' | 'updated';
  delivery: DeliverySummary;
}

/** The delivery store as the rest of the app uses it (`core.inbox`). */
export interface Inbox {
  readonly file: string;
  status(): InboxStatus;
  readonly onDidChangeStatus: Event<InboxStatus>;
  /** Deliveries just committed (for the `deliveryRecorded` / `deliveryUpdated` events). */
  readonly onDidChange: Event<readonly DeliveryChange[]>;
  get(id: string): Delivery;
  query(filter: DeliveryFilter): DeliveryPage;
  delete(filter: DeliveryDeleteFilter): { deleted: number };
  /** Runs retention until nothing is over a limit (bounded steps); returns how many went. */
  prune(): number;
  /** The executor wrapped so every call is recorded. */
  wrap(executor: Executor): Executor;
  /** Writes what waits in the group-commit queue now. */
  flush(): void;
  /** Transactions and rows written since start. */
  counters(): { transactions: number; rows: number };
  /** A new id (replays and the async queue make their records with it). */
  nextId(): string;
  /**
   * Dedup: the delivery that one of `key.plugin` with this provider delivery id repeats, received
   * within `inbox.dedup_window_seconds`, or null (none, dedup off, no store). Synchronous: memory
   * first (sync deliveries not yet committed), then one indexed lookup. `runsAgain(original)`
   * (dedup.ts) says whether the repeat runs anyway (the original failed).
   */
  findDuplicate(key: DedupKey): DuplicateOf | null;
  /** Queues a record behind the response (`recorded` when new). */
  record(record: DeliveryRecord, kind?: Write['kind']): void;
  /**
   * Commits now, synchronously, after everything queued before it (a 202 is answered only after
   * this); a later `record` of the same id is committed after it. Throws UNAVAILABLE when the
   * store cannot write.
   */
  writeNow(record: DeliveryRecord, kind?: Write['kind']): void;
  /** The stored record (the async queue runs it from here), or null. */
  load(id: string): DeliveryRecord | null;
  /** Deliveries still queued or running, oldest first (picked up again at start). */
  pending(): PendingRow[];
  dispose(): void;
}

const DB_FILE = path.join('inbox', 'deliveries.db');

export function createInbox(opts: InboxOptions): Inbox {
  const file = path.join(opts.dataDir, DB_FILE);
  const ids = new IdGenerator(() => opts.now().getTime());
  // every use of the store goes through holder.use: a database that turns corrupt is replaced
  const holder = new StoreHolder({ file, log: opts.log, now: opts.now, ...(opts.cachePages !== undefined ? { cachePages: opts.cachePages } : {}) });
  const writer = new GroupWriter({
    write: (records) => holder.use((s) => s.write(records)),
    log: opts.log,
    now: opts.now,
    ...(opts.commitDelayMs !== undefined ? { delayMs: opts.commitDelayMs } : {}),
    ...(opts.commitMaxRows !== undefined ? { maxRows: opts.commitMaxRows } : {}),
  });
  const dedup = new DedupIndex({
    lookup: (key, sinceMs) => (holder.current ? holder.use((s) => s.findDuplicate(key, sinceMs)) : null),
    windowMs: () => opts.settings().dedup_window_seconds * 1000,
    now: () => opts.now().getTime(),
  });
  const statusChanged = new Emitter<InboxStatus>();
  const changed = new Emitter<readonly DeliveryChange[]>();
  const subs = [
    writer.onDidChangeStatus((s) => statusChanged.fire(s)),
    writer.onDidWrite((writes) => {
      dedup.committed(writes.map((w) => w.record.id));
      if (changed.size === 0) return;
      changed.fire(writes.map((w) => ({ kind: w.kind, delivery: summaryDto({ ...toSummaryRow(w.record) }) })));
    }),
  ];

  const pruneBatch = opts.pruneBatch ?? 500;
  const limits = () => {
    const s = opts.settings();
    return { maxDeliveries: s.max_deliveries, maxBytes: s.max_bytes, maxAgeDays: s.max_age_days };
  };
  let pruneTimer: NodeJS.Timeout | undefined;
  // deliveries stored, as retention last counted them (a count of its own would read the whole table)
  let stored: number | null = null;
  const tick = (): void => {
    let delay = opts.pruneIntervalMs ?? 30_000;
    try {
      if (holder.current) {
        const { more, count } = holder.use((s) => s.pruneStep(limits(), opts.now().getTime(), pruneBatch));
        stored = count;
        // more to do: another bounded step soon, leaving the event loop to webhooks in between
        if (more) delay = 50;
      }
    } catch (err) {
      opts.log.warn(`inbox: pruning old deliveries failed: ${errorMessage(err)}`);
    }
    pruneTimer = setTimeout(tick, delay);
    pruneTimer.unref();
  };
  pruneTimer = setTimeout(tick, 1000);
  pruneTimer.unref();

  const redacted = { key: '', names: new Set<string>() };
  const status = (): InboxStatus => {
    const w = { ...writer.status(), file, deliveries: stored, size_bytes: sizeOnDisk(file) };
    if (!opts.settings().enabled) return { ...w, state: 'off', error: null, failing_since: null };
    if (!holder.current && holder.error) return { ...w, state: 'failing', error: holder.error };
    return w;
  };
  const sink = {
    status,
    enabled: () => opts.settings().enabled,
    nextId: () => ids.next(),
    redactedHeaders: () => {
      const list = opts.settings().redact_headers;
      const key = list.join('\n');
      if (key !== redacted.key) Object.assign(redacted, { key, names: new Set(list.map((n) => n.toLowerCase())) });
      return redacted.names;
    },
    record: (r: DeliveryRecord) => writer.enqueue(r, 'recorded'),
    dedup,
    duplicate: (plugin: string, key: DedupKey, original: DuplicateOf) =>
      opts.log.info(`inbox: ${key.provider} delivery ${key.providerDeliveryId} for plugin '${plugin}' repeats delivery ${original.id} (${original.state}${original.status === null ? '' : ` ${original.status}`}); not run again`),
  };

  return {
    file,
    status,
    onDidChangeStatus: statusChanged.event,
    onDidChange: changed.event,
    get(id) {
      const d = holder.use((s) => s.get(id));
      if (!d) throw new AppError('NOT_FOUND', `no delivery ${id}`);
      return d;
    },
    query: (filter) => holder.use((s) => s.query(filter)),
    delete: (filter) => ({ deleted: holder.use((s) => s.delete(filter)) }),
    prune() {
      let total = 0;
      for (let i = 0; i < 10_000; i++) {
        const { deleted, more, count } = holder.use((s) => s.pruneStep(limits(), opts.now().getTime(), pruneBatch));
        total += deleted;
        stored = count;
        if (!more) break;
      }
      return total;
    },
    wrap: (executor) => new RecordingExecutor(executor, sink),
    flush: () => writer.flush(),
    counters: () => ({ ...(holder.current?.counters ?? { transactions: 0, rows: 0 }) }),
    nextId: () => ids.next(),
    record: (r, kind = 'recorded') => writer.enqueue(r, kind),
    findDuplicate: (key) => dedup.find(key),
    writeNow(r, kind = 'recorded') {
      if (!holder.current) holder.use(() => undefined); // throws UNAVAILABLE with the reason
      try {
        writer.writeNow(r, kind);
      } catch (err) {
        throw new AppError('UNAVAILABLE', `the delivery could not be stored, so it was not accepted: ${errorMessage(err)}`);
      }
    },
    load: (id) => holder.use((s) => s.record(id)),
    pending: () => holder.use((s) => s.pending()),
    dispose() {
      clearTimeout(pruneTimer);
      try {
        writer.dispose();
      } catch {
        // a failed last write is already reported
      }
      for (const s of subs) s.dispose();
      statusChanged.dispose();
      changed.dispose();
      holder.close();
    },
  };
}

function sizeOnDisk(file: string): number | null {
  try {
    const wal = statSync(`${file}-wal`, { throwIfNoEntry: false });
    return statSync(file).size + (wal?.size ?? 0);
  } catch {
    return null;
  }
}

function toSummaryRow(r: DeliveryRecord) {
  return {
    id: r.id, received_ms: r.receivedMs, method: r.method, path: r.path, plugin: r.plugin, state: r.state, status: r.status,
    duration_ms: r.durationMs, provider: r.provider, event: r.event, provider_delivery_id: r.providerDeliveryId, attempt: r.attempt,
    replay_of: r.replayOf, error_message: r.error?.message ?? null, request_size: r.body.length,
  };
}
