/**
 * The durable queue of immediate (ack: immediate) deliveries. The database is the queue: a row in
 * state `queued` (due at `next_attempt_ms`) or `running` is work still to do, and this runner keeps
 * only ids, plugins and due times in memory. At start every such row is picked up again (a `running`
 * one was interrupted: its open attempt is closed as failed and it goes through the retry policy),
 * so a delivery acknowledged with 202 runs at least once.
 *
 * A job starts only when the plugin has a concurrency slot (`slots.tryAcquire`); a plugin without one
 * is skipped until `slots.onAvailable` names it. Each attempt calls the executor beneath the recorder
 * and writes its own rows: `running` when it starts, then `done`, `queued` again (with the next
 * attempt's time) or `dead`, through the group-commit writer (a row changed by an earlier attempt is
 * flushed before it is read again, so its attempts are never lost).
 */
import { AppError, errorMessage } from '../app-error.js';
import type { Executor } from '../services.js';
import { finishAttempt, INTERRUPTED, requestOf, startAttempt, type Outcome } from './async-record.js';
import type { Inbox } from './create-inbox.js';
import { nextStep, type RetryLimits } from './retry-policy.js';
import type { DeliveryRecord, LogChannel } from './types.js';

/** Concurrency slots per plugin (the ConcurrencyLimiter's async side). */
export interface SlotSource {
  tryAcquire(plugin: string): (() => void) | null;
  onAvailable(listener: (plugin: string) => void): () => void;
}

/** No limit: every plugin always has a slot. */
export const UNLIMITED: SlotSource = { tryAcquire: () => () => undefined, onAvailable: () => () => undefined };

export interface QueueOptions {
  inbox: Pick<Inbox, 'load' | 'record' | 'writeNow' | 'pending' | 'flush'>;
  /** The executor beneath the recorder: the queue writes its own rows. */
  run: Pick<Executor, 'execute'>;
  slots: SlotSource;
  limits: (plugin: string) => RetryLimits;
  /** Whether the plugin has a secret (the signature verdict), null when unknown. */
  hasSecret: (plugin: string) => boolean | null;
  redactedHeaders: () => ReadonlySet<string>;
  log: LogChannel;
  /** Wall clock, ms. */
  now: () => number;
  random?: () => number;
  /** Attempts running at once over all plugins (default 8). */
  maxRunning?: number;
}

interface Job {
  plugin: string;
  dueMs: number;
  /** An update of its row waits in the group-commit queue: flush before reading it. */
  unsaved: boolean;
}

export class DeliveryQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly running = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private started = false;
  private stopped = false;
  private readonly unsubscribe: () => void;
  private readonly maxRunning: number;

  constructor(private readonly opts: QueueOptions) {
    this.maxRunning = opts.maxRunning ?? 8;
    this.unsubscribe = opts.slots.onAvailable(() => this.pump());
  }

  /** Picks up every queued or running row (the app stopped or was killed before they finished), then runs. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    let rows: ReturnType<QueueOptions['inbox']['pending']> = [];
    try {
      rows = this.opts.inbox.pending();
    } catch (err) {
      this.opts.log.error(`inbox: cannot read the queued deliveries: ${errorMessage(err)}`);
    }
    let interrupted = 0;
    for (const row of rows) {
      if (row.state === 'running') {
        interrupted++;
        this.recoverRunning(row.id);
      } else {
        this.jobs.set(row.id, { plugin: row.plugin, dueMs: row.next_attempt_ms ?? 0, unsaved: false });
      }
    }
    if (rows.length > 0) this.opts.log.info(`inbox: ${rows.length} queued deliveries picked up again (${interrupted} were running when the app stopped)`);
    this.pump();
  }

  /** A delivery just committed as queued (or queued again by hand): runs when due. */
  enqueue(id: string, plugin: string, dueMs: number): void {
    if (this.stopped || this.running.has(id)) return;
    this.jobs.set(id, { plugin, dueMs, unsaved: false });
    if (this.started) this.pump();
  }

  /** Whether the delivery is waiting or running here. */
  has(id: string): boolean {
    return this.jobs.has(id) || this.running.has(id);
  }

  counts(): { queued: number; running: number } {
    return { queued: this.jobs.size, running: this.running.size };
  }

  /** No new attempts; waits for those running (their rows are written). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe();
    await Promise.allSettled([...this.running.values()]);
  }

  /** A row left `running`: its open attempt ends as interrupted, and the retry policy decides. */
  private recoverRunning(id: string): void {
    const r = this.opts.inbox.load(id);
    if (!r) return;
    const after = this.finish(r, { error: INTERRUPTED }, 0);
    this.opts.inbox.record(after, 'updated');
    if (after.state === 'queued') this.jobs.set(id, { plugin: r.plugin, dueMs: after.nextAttemptMs ?? 0, unsaved: true });
  }

  private pump(): void {
    if (!this.started || this.stopped) return;
    const now = this.opts.now();
    let nextDue = Infinity;
    const blocked = new Set<string>();
    for (const [id, job] of this.jobs) {
      if (this.running.size >= this.maxRunning) break;
      if (job.dueMs > now) {
        nextDue = Math.min(nextDue, job.dueMs);
        continue;
      }
      if (blocked.has(job.plugin)) continue;
      const release = this.opts.slots.tryAcquire(job.plugin);
      if (!release) {
        blocked.add(job.plugin); // woken by onAvailable
        continue;
      }
      this.jobs.delete(id);
      const run = this.attempt(id, job).finally(() => {
        release();
        this.running.delete(id);
        this.pump();
      });
      this.running.set(id, run);
    }
    this.arm(nextDue);
  }

  private arm(dueMs: number): void {
    if (dueMs === Infinity || dueMs >= this.timerDue) return;
    clearTimeout(this.timer);
    this.timerDue = dueMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Infinity;
      this.pump();
    }, Math.max(0, dueMs - this.opts.now()));
    this.timer.unref();
  }

  private async attempt(id: string, job: Job): Promise<void> {
    const { inbox, log } = this.opts;
    let before: DeliveryRecord | null;
    try {
      if (job.unsaved) inbox.flush();
      before = inbox.load(id);
    } catch (err) {
      log.error(`inbox: cannot read queued delivery ${id}: ${errorMessage(err)}; trying again later`);
      this.jobs.set(id, { ...job, dueMs: this.opts.now() + 5000 });
      return;
    }
    // deleted meanwhile, or finished by another path: nothing to do
    if (!before || (before.state !== 'queued' && before.state !== 'running')) return;
    const started = startAttempt(before, this.opts.now());
    inbox.record(started, 'updated');
    const t0 = performance.now();
    let outcome: Outcome;
    try {
      outcome = { response: await this.opts.run.execute(requestOf(started), { deliveryId: id }) };
    } catch (error) {
      outcome = { error };
    }
    const durationMs = Math.round((performance.now() - t0) * 100) / 100;
    const after = this.finish(started, outcome, durationMs);
    inbox.record(after, 'updated');
    if (after.state === 'queued' && !this.stopped) this.jobs.set(id, { plugin: after.plugin, dueMs: after.nextAttemptMs ?? 0, unsaved: true });
    if (after.state === 'dead') log.warn(`inbox: delivery ${id} to plugin '${after.plugin}' is dead: ${after.error?.message ?? ''}`);
  }

  private finish(r: DeliveryRecord, outcome: Outcome, durationMs: number): DeliveryRecord {
    const now = this.opts.now();
    const n = r.attempt - (r.series?.fromAttempt ?? 0);
    const answer = 'response' in outcome ? { status: outcome.response.status } : { error: outcome.error };
    const step = nextStep(answer, n, r.series?.sinceMs ?? r.receivedMs, now, this.opts.limits(r.plugin), this.opts.random);
    return finishAttempt(r, { outcome, finishedMs: now, durationMs, step, hasSecret: this.opts.hasSecret(r.plugin), redacted: this.opts.redactedHeaders() });
  }
}

/** A delivery that cannot be retried by hand now, and why. */
export function retryRefusal(r: DeliveryRecord): AppError | null {
  if (r.state === 'queued' || r.state === 'running') return new AppError('CONFLICT', `delivery ${r.id} is already ${r.state}`);
  if (r.state === 'done' && r.error === null && (r.status ?? 0) < 400) {
    return new AppError('CONFLICT', `delivery ${r.id} succeeded (${r.status ?? 'no status'}): replay it to run it again`);
  }
  return null;
}
