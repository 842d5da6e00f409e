/**
 * Holds the inbox's open store and replaces a database that turns corrupt while in use: every use
 * goes through `use(fn)`; when `fn` fails with SQLITE_CORRUPT or SQLITE_NOTADB the file is moved
 * aside (db.ts `replaceCorruptDb`, logged), a new database is opened, and `fn` runs once more on it —
 * so the batch of records being written lands in the new file instead of being dropped.
 */
import { AppError, errorMessage } from '../app-error.js';
import { isCorruption, openInboxDb, replaceCorruptDb, type SqliteDb } from './db.js';
import { DeliveryStore } from './store.js';
import type { LogChannel } from './types.js';

export interface StoreHolderOptions {
  file: string;
  log: LogChannel;
  now: () => Date;
  /** SQLite's page cache in pages (tests: a tiny cache makes every read reach the file). Default: SQLite's. */
  cachePages?: number;
}

export class StoreHolder {
  private store: DeliveryStore | null = null;
  private problem: string | null = null;
  /** Databases replaced because they turned corrupt while in use. */
  replaced = 0;

  constructor(private readonly opts: StoreHolderOptions) {
    try {
      this.store = this.wrap(openInboxDb(opts.file, opts.log, opts.now));
    } catch (err) {
      this.problem = `cannot open ${opts.file}: ${errorMessage(err)}`;
      opts.log.error(`inbox: ${this.problem}; webhooks are still served, deliveries are not recorded`);
    }
  }

  /** The open store, or null (it could not be opened, or is closed). */
  get current(): DeliveryStore | null {
    return this.store;
  }

  /** Why there is no store, or null. */
  get error(): string | null {
    return this.problem;
  }

  /** Runs `fn` on the store (UNAVAILABLE without one); a corrupt database is replaced and `fn` runs again on the new one. */
  use<T>(fn: (store: DeliveryStore) => T): T {
    const store = this.store;
    if (!store) throw new AppError('UNAVAILABLE', `the delivery inbox is not available: ${this.problem ?? 'closed'}`);
    try {
      return fn(store);
    } catch (err) {
      if (!isCorruption(err)) throw err;
      const fresh = this.replace(store, err);
      return fn(fresh);
    }
  }

  close(reason = 'the inbox is closed'): void {
    this.store?.close();
    this.store = null;
    this.problem = reason;
  }

  private replace(store: DeliveryStore, err: unknown): DeliveryStore {
    this.store = null;
    try {
      const fresh = this.wrap(replaceCorruptDb(store.db, this.opts.file, err, this.opts.log, this.opts.now));
      this.store = fresh;
      this.replaced++;
      return fresh;
    } catch (again) {
      this.problem = `the database became corrupt and no new one could be started: ${errorMessage(again)}`;
      this.opts.log.error(`inbox: ${this.problem}; webhooks are still served, deliveries are not recorded`);
      throw again;
    }
  }

  private wrap(db: SqliteDb): DeliveryStore {
    if (this.opts.cachePages !== undefined) db.pragma(`cache_size = ${Math.trunc(this.opts.cachePages)}`);
    return new DeliveryStore(db);
  }
}
