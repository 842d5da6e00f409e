/**
 * The delivery store over one SQLite database (opened by db.ts): batched upserts (one transaction
 * for many rows), get, a filtered newest-first page with a cursor, delete by filter, and bounded
 * pruning steps for retention. Synchronous, like better-sqlite3: callers keep the work small
 * (the writer batches, pruning deletes at most `batch` rows a step).
 */
import type { Statement } from 'better-sqlite3';
import {
  DELIVERY_PAGE_DEFAULT,
  type Delivery,
  type DeliveryDeleteFilter,
  type DeliveryFilter,
  type DeliveryPage,
  type DeliveryState,
} from '../../../shared/dto/deliveries.js';
import type { SqliteDb } from './db.js';
import { whereOf } from './filter-sql.js';
import type { DedupKey, DuplicateOf } from './dedup.js';
import { idFloor, idTime } from './ids.js';
import { deliveryDto, recordOf, SUMMARY_COLUMNS, summaryDto, toRow, type DeliveryRow, type SummaryRow } from './rows.js';
import type { DeliveryRecord } from './types.js';

const COLUMNS = [
  'id', 'received_ms', 'method', 'path', 'query', 'headers', 'body', 'content_type', 'remote_address', 'plugin',
  'interpreter', 'executor_generation', 'executor_pid', 'state', 'status', 'duration_ms', 'response_headers',
  'response_body', 'response_size', 'response_content_type', 'error_code', 'error_message', 'signature', 'provider',
  'event', 'provider_delivery_id', 'attempt', 'replay_of', 'next_attempt_ms', 'attempts', 'logs', 'search', 'bytes',
  'series_ms', 'series_attempt',
] as const satisfies ReadonlyArray<keyof DeliveryRow>;

const UPSERT = `INSERT INTO deliveries (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})
  ON CONFLICT (id) DO UPDATE SET ${COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ')}`;

/** Rows in flight (queued or running async deliveries) are never pruned: they are not done yet. */
const PRUNABLE = "state NOT IN ('queued', 'running')";

/** A delivery the async queue has still to run. */
export interface PendingRow {
  id: string;
  plugin: string;
  state: 'queued' | 'running';
  next_attempt_ms: number | null;
}

export interface RetentionLimits {
  maxDeliveries: number;
  maxBytes: number;
  maxAgeDays: number;
}

export class DeliveryStore {
  private readonly upsert: Statement;
  private readonly byId: Statement;
  private readonly dynamic = new Map<string, Statement>();
  /** Committed write transactions and rows since open (what tests and the bench read). */
  readonly counters = { transactions: 0, rows: 0 };

  constructor(readonly db: SqliteDb) {
    this.upsert = db.prepare(UPSERT);
    this.byId = db.prepare('SELECT * FROM deliveries WHERE id = ?');
  }

  private statement(sql: string): Statement {
    let s = this.dynamic.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.dynamic.size > 200) this.dynamic.clear();
      this.dynamic.set(sql, s);
    }
    return s;
  }

  /** Writes every record in one transaction (insert, or replace the row with that id). */
  write(records: readonly DeliveryRecord[]): void {
    if (records.length === 0) return;
    this.db.transaction(() => {
      for (const r of records) this.upsert.run(toRow(r));
    })();
    this.counters.transactions++;
    this.counters.rows += records.length;
  }

  get(id: string): Delivery | null {
    const row = this.byId.get(id) as DeliveryRow | undefined;
    return row ? deliveryDto(row) : null;
  }

  /** The stored record (the async queue resumes from it), or null. */
  record(id: string): DeliveryRecord | null {
    const row = this.byId.get(id) as DeliveryRow | undefined;
    return row ? recordOf(row) : null;
  }

  query(filter: DeliveryFilter): DeliveryPage {
    const limit = filter.limit ?? DELIVERY_PAGE_DEFAULT;
    const where = whereOf(filter);
    const rows = this.statement(`SELECT ${SUMMARY_COLUMNS} FROM deliveries ${where.sql} ORDER BY id DESC LIMIT ?`).all(...where.params, limit + 1) as SummaryRow[];
    const items = rows.slice(0, limit).map(summaryDto);
    return { items, next_cursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  }

  delete(filter: DeliveryDeleteFilter): number {
    const where = whereOf(filter);
    return this.statement(`DELETE FROM deliveries ${where.sql}`).run(...where.params).changes;
  }

  /** Deliveries queued or running, oldest first (the async queue's recovery at start). */
  pending(): PendingRow[] {
    return this.statement("SELECT id, plugin, state, next_attempt_ms FROM deliveries WHERE state IN ('queued', 'running') ORDER BY id").all() as PendingRow[];
  }

  /** The newest delivery of a provider with that delivery id received at or after `sinceMs`, or null (dedup). */
  findByProviderId(providerDeliveryId: string, sinceMs: number): string | null {
    const row = this.statement('SELECT id FROM deliveries WHERE provider_delivery_id = ? AND id >= ? ORDER BY id DESC LIMIT 1').get(providerDeliveryId, idFloor(sinceMs)) as { id: string } | undefined;
    return row?.id ?? null;
  }

  /**
   * The newest delivery of `plugin` with that provider and provider delivery id received at or
   * after `sinceMs`, or null: dedup's lookup (index `deliveries_dedup`, migration 2).
   */
  findDuplicate(key: DedupKey, sinceMs: number): DuplicateOf | null {
    const row = this.statement(
      'SELECT id, state, status FROM deliveries WHERE plugin = ? AND provider = ? AND provider_delivery_id = ? AND id >= ? ORDER BY id DESC LIMIT 1',
    ).get(key.plugin, key.provider, key.providerDeliveryId, idFloor(sinceMs)) as { id: string; state: DeliveryState; status: number | null } | undefined;
    return row ? { id: row.id, state: row.state, status: row.status, receivedMs: idTime(row.id) } : null;
  }

  totals(): { count: number; bytes: number } {
    const r = this.statement('SELECT count(*) AS count, coalesce(sum(bytes), 0) AS bytes FROM deliveries').get() as { count: number; bytes: number };
    return { count: r.count, bytes: r.bytes };
  }

  /**
   * One bounded retention step: deletes at most `batch` of the oldest finished deliveries that are
   * over the age, count or byte limit. Returns how many went; `more` says another step has work.
   */
  pruneStep(limits: RetentionLimits, nowMs: number, batch: number): { deleted: number; more: boolean; count: number; bytes: number } {
    return this.db.transaction(() => {
      let deleted = 0;
      const cutoff = idFloor(nowMs - limits.maxAgeDays * 86_400_000);
      deleted += this.statement(`DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE id < ? AND ${PRUNABLE} ORDER BY id LIMIT ?)`).run(cutoff, batch).changes;
      let { count, bytes } = this.totals();
      if (deleted < batch && count > limits.maxDeliveries) {
        const n = Math.min(count - limits.maxDeliveries, batch - deleted);
        const gone = this.statement(`DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE ${PRUNABLE} ORDER BY id LIMIT ?)`).run(n).changes;
        deleted += gone;
        if (gone > 0) ({ count, bytes } = this.totals());
      }
      if (deleted < batch && bytes > limits.maxBytes) {
        const oldest = this.statement(`SELECT id, bytes FROM deliveries WHERE ${PRUNABLE} ORDER BY id LIMIT ?`).all(batch - deleted) as Array<{ id: string; bytes: number }>;
        let excess = bytes - limits.maxBytes;
        let last: string | null = null;
        for (const r of oldest) {
          if (excess <= 0) break;
          excess -= r.bytes;
          last = r.id;
        }
        if (last !== null) deleted += this.statement(`DELETE FROM deliveries WHERE id <= ? AND ${PRUNABLE}`).run(last).changes;
        ({ count, bytes } = this.totals());
      }
      const more =
        deleted >= batch ||
        count > limits.maxDeliveries ||
        bytes > limits.maxBytes ||
        this.statement(`SELECT 1 FROM deliveries WHERE id < ? AND ${PRUNABLE} LIMIT 1`).get(cutoff) !== undefined;
      return { deleted, more: more && deleted > 0, count, bytes };
    })();
  }

  close(): void {
    this.db.close();
  }
}
