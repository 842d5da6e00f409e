/**
 * Group commit: records queue in memory and are written together, in one transaction, when
 * `maxRows` are waiting or `delayMs` after the first one arrived, whichever comes first. The
 * webhook's response never waits for this. A failed write (disk full, read-only file…) drops that
 * batch, counts it and sets the status to `failing` with the error; the next write that succeeds
 * sets it back to `recording`. The queue is bounded: past `maxQueued` the oldest waiting record goes.
 */
import type { InboxStatus } from '../../../shared/dto/deliveries.js';
import { errorMessage } from '../app-error.js';
import { Emitter, type Event } from '../events.js';
import type { DeliveryRecord, LogChannel } from './types.js';

/** A record to write, and whether it is a new delivery or a change of one written before. */
export interface Write {
  record: DeliveryRecord;
  kind: 'recorded' | 'updated';
}

export interface WriterOptions {
  write: (records: readonly DeliveryRecord[]) => void;
  log: LogChannel;
  now: () => Date;
  delayMs?: number;
  maxRows?: number;
  maxQueued?: number;
}

export class GroupWriter {
  private queue: Write[] = [];
  private timer: NodeJS.Timeout | undefined;
  private state: InboxStatus = { state: 'recording', error: null, failing_since: null, dropped: 0 };
  private readonly changed = new Emitter<InboxStatus>();
  private readonly written = new Emitter<readonly Write[]>();
  /** The recording status changed (recording ↔ failing). */
  readonly onDidChangeStatus: Event<InboxStatus> = this.changed.event;
  /** Records just committed. */
  readonly onDidWrite: Event<readonly Write[]> = this.written.event;
  private readonly delayMs: number;
  private readonly maxRows: number;
  private readonly maxQueued: number;

  constructor(private readonly opts: WriterOptions) {
    // 20 ms: at 1,700 webhooks/s a transaction holds ~34 rows instead of ~8 at 5 ms, ~40% less CPU per row
    this.delayMs = opts.delayMs ?? 20;
    this.maxRows = opts.maxRows ?? 256;
    this.maxQueued = opts.maxQueued ?? 10_000;
  }

  status(): InboxStatus {
    return { ...this.state };
  }

  /** Queues a record; a later one with the same id replaces it in the same batch. */
  enqueue(record: DeliveryRecord, kind: Write['kind']): void {
    this.queue.push({ record, kind });
    if (this.queue.length > this.maxQueued) {
      this.queue.shift();
      this.state = { ...this.state, dropped: this.state.dropped + 1 };
    }
    if (this.queue.length >= this.maxRows) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Writes now, synchronously (a durable commit the caller waits for: async acknowledgements). Throws when it fails. */
  writeNow(record: DeliveryRecord, kind: Write['kind']): void {
    this.flush();
    this.commit([{ record, kind }], true);
  }

  /** Writes what is queued now (tests, shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    // the same delivery updated twice in one batch: its last version is enough
    const last = new Map<string, Write>();
    for (const w of batch) {
      const before = last.get(w.record.id);
      last.set(w.record.id, before?.kind === 'recorded' ? { record: w.record, kind: 'recorded' } : w);
    }
    this.commit([...last.values()], false);
  }

  private commit(writes: Write[], rethrow: boolean): void {
    try {
      this.opts.write(writes.map((w) => w.record));
    } catch (err) {
      const message = errorMessage(err);
      const first = this.state.state !== 'failing';
      this.state = { state: 'failing', error: message, failing_since: this.state.failing_since ?? this.opts.now().toISOString(), dropped: this.state.dropped + writes.length };
      if (first) {
        this.opts.log.error(`inbox: recording deliveries is failing (${message}); webhooks are still served, deliveries are not kept until writing works again`);
        this.changed.fire(this.status());
      }
      if (rethrow) throw err;
      return;
    }
    if (this.state.state === 'failing') {
      this.opts.log.info(`inbox: recording deliveries works again (${this.state.dropped} not recorded meanwhile)`);
      this.state = { ...this.state, state: 'recording', error: null, failing_since: null };
      this.changed.fire(this.status());
    }
    this.written.fire(writes);
  }

  dispose(): void {
    this.flush();
    this.changed.dispose();
    this.written.dispose();
  }
}
