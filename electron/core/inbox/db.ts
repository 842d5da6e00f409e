/**
 * Opens the inbox database: the file 0600 in a 0700 folder, WAL with `synchronous=NORMAL` (a commit
 * is not an fsync; a power cut may lose the last commits, never corrupt the file), migrations by
 * `user_version`. A file that is not a database, fails its header check, or comes from a newer
 * schema is renamed aside with a timestamp (its -wal/-shm too), logged, and a new one is started.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../app-error.js';
import type { LogChannel } from './types.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema-sql.js';

export type SqliteDb = Database.Database;

/** Why a file was moved aside. */
class UnusableDatabase extends Error {
  constructor(
    readonly reason: 'corrupt' | 'newer',
    message: string,
  ) {
    super(message);
  }
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

function moveAside(file: string, reason: 'corrupt' | 'newer', now: Date): string {
  const target = `${file}.${reason}-${stamp(now)}`;
  renameSync(file, target);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  return target;
}

function migrate(db: SqliteDb): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new UnusableDatabase('newer', `its schema version ${version} is newer than this app's (${SCHEMA_VERSION})`);
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v] ?? '';
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

function openOnce(file: string): SqliteDb {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const db = new Database(file);
  try {
    // reading the schema touches the header and the first page: garbage fails here with SQLITE_NOTADB/CORRUPT
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 2000');
    const check = db.pragma('quick_check(1)', { simple: true });
    if (check !== 'ok') throw new UnusableDatabase('corrupt', `integrity check: ${String(check)}`);
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof UnusableDatabase) throw err;
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') throw new UnusableDatabase('corrupt', errorMessage(err));
    throw err;
  }
}

/** Whether an error says the database file is damaged (SQLITE_CORRUPT and its extended codes, SQLITE_NOTADB). */
export function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_'));
}

/**
 * A database that turned out corrupt while in use (a read or write failed with `err`): closed,
 * moved aside with its -wal/-shm (`deliveries.db.corrupt-<time>`), logged, and a new one opened.
 */
export function replaceCorruptDb(db: SqliteDb, file: string, err: unknown, log: LogChannel, now: () => Date): SqliteDb {
  try {
    db.close();
  } catch {
    // closing a damaged database may fail too; the file is moved aside all the same
  }
  const aside = moveAside(file, 'corrupt', now());
  log.error(`inbox: the delivery database ${file} became corrupt while in use (${errorMessage(err)}); moved it to ${aside} and started a new one (deliveries recorded before are in the moved file)`);
  return openOnce(file);
}

/** Opens (or creates) `file`; an unusable one is moved aside once and a fresh one started. */
export function openInboxDb(file: string, log: LogChannel, now: () => Date): SqliteDb {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    return openOnce(file);
  } catch (err) {
    if (!(err instanceof UnusableDatabase)) throw err;
    const aside = moveAside(file, err.reason, now());
    const why = err.reason === 'newer' ? 'it comes from a newer version of the app' : 'it is corrupt';
    log.warn(`inbox: the delivery database ${file} cannot be used (${why}: ${err.message}); moved it to ${aside} and started a new one`);
    return openOnce(file);
  }
}
