import { randomUUID } from 'node:crypto';
import type { LogEntry } from '../../../shared/dto/logs.js';
import type { LogLevel } from '../../../shared/dto/config.js';
import { Emitter, type Event } from '../events.js';

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

/** Keeps the newest `capacity` entries for the Logs page; older ones are dropped. */
export class LogBuffer implements LogSink {
  private readonly entries: LogEntry[] = [];
  private readonly appended = new Emitter<LogEntry>();
  readonly onDidAppend: Event<LogEntry> = this.appended.event;

  /** This run of the server (see `LogPage.instance`); give the same id to `Logger.create`. */
  readonly instance: string;

  constructor(
    private readonly capacity = 5000,
    instance: string = randomUUID(),
  ) {
    this.instance = instance;
  }

  write(entry: LogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    this.appended.fire(entry);
  }

  /** Entries with seq greater than `since`, the newest `limit` of them. */
  read(since = 0, limit = 1000): { instance: string; entries: LogEntry[]; last_seq: number } {
    const newer = this.entries.filter((e) => e.seq > since);
    const last = this.entries.at(-1)?.seq ?? since;
    return { instance: this.instance, entries: newer.slice(-limit), last_seq: last };
  }
}

export interface LoggerOptions {
  level: LogLevel;
  sinks: LogSink[];
  redactor?: Redactor;
  now?: () => Date;
  /** Stamped on every entry (`LogEntry.instance`): pass the buffer's `instance`; random when left out. */
  instance?: string;
}

interface LoggerState {
  readonly instance: string;
  level: LogLevel;
  seq: number;
  readonly sinks: LogSink[];
  readonly redactor: Redactor;
  readonly now: () => Date;
}

/** The core's one logger; `child(source)` tags lines with where they came from. */
export class Logger {
  private constructor(
    private readonly state: LoggerState,
    readonly source: string,
  ) {}

  static create(opts: LoggerOptions): Logger {
    return new Logger(
      { instance: opts.instance ?? randomUUID(), level: opts.level, seq: 0, sinks: opts.sinks, redactor: opts.redactor ?? new Redactor(), now: opts.now ?? (() => new Date()) },
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
      message: this.state.redactor.apply(message),
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
