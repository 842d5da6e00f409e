import { randomUUID } from 'node:crypto';
import type { LogEntry } from '../../../shared/dto/logs.js';
import type { LogLevel } from '../../../shared/dto/config.js';
import { Emitter, type Event } from '../events.js';
import { cutUtf8, truncateUtf8 as truncateWithMark } from '../utf8-cut.js';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where finished log entries go (console, a rotating file…). */
export interface LogSink {
  write(entry: LogEntry): void;
}

/** Replaces secrets (API token, secret environment values) wherever they would appear in a line. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string): void {
    if (secret.length >= 4) this.secrets.add(secret);
  }

  apply(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  }
}

/** Bounds of the Logs page's memory and of one `GET /logs` page, in UTF-8 bytes of the JSON. */
export interface LogLimits {
  /** All entries held together (default 8 MiB); the oldest go first. */
  maxBytes: number;
  /** One entry; a longer message is cut and marked with its size (default 64 KiB). */
  maxEntryBytes: number;
  /** One page of `read()` (default 2 MiB): the newest entries that fit. */
  maxPageBytes: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxBytes: 8 * 1024 * 1024, maxEntryBytes: 64 * 1024, maxPageBytes: 2 * 1024 * 1024 };

/** What a page's JSON costs besides its entries (`{"instance":"…","entries":[],"last_seq":N}`). */
const PAGE_OVERHEAD_BYTES = 128;

const logMark = (size: number): string => `... [truncated: ${size} bytes]`;

/** `text` cut to at most `maxBytes` UTF-8 bytes with the log's marker of the original size. */
export function truncateUtf8(text: string, maxBytes: number, originalBytes?: number): string {
  return truncateWithMark(text, maxBytes, logMark, originalBytes);
}

/**
 * `message` redacted and cut to `maxBytes`, cheaply for a huge one: it is first cut to a little
 * more than `maxBytes` (room for a secret that straddles the cut), then redacted, then cut again
 * with a marker of the original size.
 */
export function boundMessage(message: string, maxBytes: number, redactor: Redactor): string {
  if (message.length * 3 <= maxBytes) return redactor.apply(message);
  const size = Buffer.byteLength(message, 'utf8');
  if (size <= maxBytes) return redactor.apply(message);
  return truncateUtf8(redactor.apply(cutUtf8(message, maxBytes + 1024)), maxBytes, size);
}

const entryBytes = (e: LogEntry): number => Buffer.byteLength(JSON.stringify(e), 'utf8') + 1; // + the comma

/** `entry` with its message cut so that its JSON takes at most `budget` bytes, or null when not even an empty message fits. */
function cutToFit(entry: LogEntry, budget: number): LogEntry | null {
  let room = budget - entryBytes({ ...entry, message: '' }) - 32;
  while (room > 0) {
    const cut = { ...entry, message: truncateUtf8(entry.message, room) };
    if (entryBytes(cut) <= budget) return cut;
    room = Math.floor(room / 2); // escapes (\u0001 for one byte) made the JSON longer than the text
  }
  return null;
}

/**
 * Keeps the newest entries for the Logs page, at most `capacity` of them and `limits.maxBytes`
 * together; older ones are dropped. A message over `limits.maxEntryBytes` is kept cut (see
 * `truncateUtf8`), and the cut entry is what `onDidAppend` hands on (the event stream).
 */
export class LogBuffer implements LogSink {
  private readonly entries: { entry: LogEntry; bytes: number }[] = [];
  private totalBytes = 0;
  private readonly appended = new Emitter<LogEntry>();
  readonly onDidAppend: Event<LogEntry> = this.appended.event;
  readonly limits: LogLimits;

  /** This run of the server (see `LogPage.instance`); give the same id to `Logger.create`. */
  readonly instance: string;

  constructor(
    private readonly capacity = 5000,
    instance: string = randomUUID(),
    limits: Partial<LogLimits> = {},
  ) {
    this.instance = instance;
    this.limits = { ...DEFAULT_LOG_LIMITS, ...limits };
  }

  /** Entries held and their bytes (as JSON). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.length, bytes: this.totalBytes };
  }

  write(entry: LogEntry): void {
    const message = truncateUtf8(entry.message, this.limits.maxEntryBytes);
    const kept = message === entry.message ? entry : { ...entry, message };
    const bytes = entryBytes(kept);
    this.entries.push({ entry: kept, bytes });
    this.totalBytes += bytes;
    let drop = 0;
    let total = this.totalBytes;
    while (this.entries.length - drop > 1 && (this.entries.length - drop > this.capacity || total > this.limits.maxBytes)) {
      total -= (this.entries[drop] as { bytes: number }).bytes;
      drop++;
    }
    if (drop > 0) {
      this.entries.splice(0, drop);
      this.totalBytes = total;
    }
    this.appended.fire(kept);
  }

  /**
   * Entries with seq greater than `since`: the newest `limit` of them whose JSON fits in
   * `limits.maxPageBytes` together. `last_seq` is the newest seq held either way, so a reader that
   * goes on from it skips what did not fit, as it skips what is over `limit`.
   */
  read(since = 0, limit = 1000): { instance: string; entries: LogEntry[]; last_seq: number } {
    const out: LogEntry[] = [];
    let budget = this.limits.maxPageBytes - PAGE_OVERHEAD_BYTES - Buffer.byteLength(this.instance, 'utf8');
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) {
      const { entry, bytes } = this.entries[i] as { entry: LogEntry; bytes: number };
      if (entry.seq <= since) break;
      if (bytes > budget) {
        // a single entry larger than a whole page (only with limits set so) is cut to fit
        if (out.length === 0) {
          const cut = cutToFit(entry, budget);
          if (cut) out.push(cut);
        }
        break;
      }
      budget -= bytes;
      out.push(entry);
    }
    out.reverse();
    const last = this.entries.at(-1)?.entry.seq ?? since;
    return { instance: this.instance, entries: out, last_seq: last };
  }
}

export interface LoggerOptions {
  level: LogLevel;
  sinks: LogSink[];
  redactor?: Redactor;
  now?: () => Date;
  /** Stamped on every entry (`LogEntry.instance`): pass the buffer's `instance`; random when left out. */
  instance?: string;
  /** A longer message is cut for every sink, marked with its size (default `DEFAULT_LOG_LIMITS.maxEntryBytes`). */
  maxMessageBytes?: number;
}

interface LoggerState {
  readonly instance: string;
  level: LogLevel;
  seq: number;
  readonly sinks: LogSink[];
  readonly redactor: Redactor;
  readonly now: () => Date;
  readonly maxMessageBytes: number;
}

/** The core's one logger; `child(source)` tags lines with where they came from. */
export class Logger {
  private constructor(
    private readonly state: LoggerState,
    readonly source: string,
  ) {}

  static create(opts: LoggerOptions): Logger {
    return new Logger(
      { instance: opts.instance ?? randomUUID(), level: opts.level, seq: 0, sinks: opts.sinks, redactor: opts.redactor ?? new Redactor(), now: opts.now ?? (() => new Date()), maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_LOG_LIMITS.maxEntryBytes },
      'core',
    );
  }

  child(source: string): Logger {
    return new Logger(this.state, source);
  }

  get level(): LogLevel {
    return this.state.level;
  }

  setLevel(level: LogLevel): void {
    this.state.level = level;
  }

  get redactor(): Redactor {
    return this.state.redactor;
  }

  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= LEVEL_RANK[this.state.level];
  }

  log(level: LogLevel, message: string): void {
    if (!this.enabled(level)) return;
    const entry: LogEntry = {
      instance: this.state.instance,
      seq: ++this.state.seq,
      time: this.state.now().toISOString(),
      level,
      source: this.source,
      message: boundMessage(message, this.state.maxMessageBytes, this.state.redactor),
    };
    for (const sink of this.state.sinks) {
      try {
        sink.write(entry);
      } catch {
        // a failing sink (full disk) must not break the caller
      }
    }
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  warn(message: string): void {
    this.log('warn', message);
  }
  error(message: string): void {
    this.log('error', message);
  }
}

export function consoleSink(stream: NodeJS.WritableStream = process.stderr): LogSink {
  return {
    write(e) {
      stream.write(`${e.time} ${e.level.toUpperCase().padEnd(5)} [${e.source}] ${e.message}\n`);
    },
  };
}
