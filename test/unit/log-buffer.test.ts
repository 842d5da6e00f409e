import { describe, expect, it } from 'vitest';
import { LogBuffer, Logger, Redactor, type LogSink } from '../../electron/core/logging/logger.js';
import type { LogEntry } from '../../shared/dto/logs.js';

describe('log instance id', () => {
  it('each buffer gets its own random instance, stamped on its pages and on the lines of the logger given it', () => {
    const a = new LogBuffer(10);
    const b = new LogBuffer(10);
    expect(a.instance).toMatch(/.{8,}/);
    expect(a.instance).not.toBe(b.instance);
    const logger = Logger.create({ level: 'info', sinks: [a], instance: a.instance });
    logger.child('api').info('hello');
    const page = a.read();
    expect(page.instance).toBe(a.instance);
    expect(page.entries).toEqual([expect.objectContaining({ instance: a.instance, seq: 1, source: 'api', message: 'hello' })]);
    expect(b.read(0)).toEqual({ instance: b.instance, entries: [], last_seq: 0 });
  });

  it('an injected instance is used as given', () => {
    const buf = new LogBuffer(10, 'fixed-run');
    Logger.create({ level: 'info', sinks: [buf], instance: 'fixed-run' }).info('x');
    expect(buf.read().entries[0]?.instance).toBe('fixed-run');
    expect(buf.read().instance).toBe('fixed-run');
  });
});

describe('log buffer bounded in bytes (B5)', () => {
  const MiB = 1024 * 1024;
  const json = (v: unknown): number => Buffer.byteLength(JSON.stringify(v), 'utf8');

  it('holds at most maxBytes of entries however few they are, dropping the oldest', () => {
    const buf = new LogBuffer(5000, 'run', { maxBytes: 256 * 1024, maxEntryBytes: 64 * 1024 });
    const log = Logger.create({ level: 'info', sinks: [buf], instance: 'run' });
    const line = 'y'.repeat(40 * 1024);
    for (let i = 0; i < 100; i++) log.info(`${i} ${line}`);
    const all = buf.read(0, 5000).entries;
    expect(all.length).toBeLessThan(100);
    expect(all.length).toBeGreaterThan(0);
    expect(json(all)).toBeLessThanOrEqual(256 * 1024);
    expect(all.at(-1)?.message.startsWith('99 ')).toBe(true); // the newest survive
    expect(buf.read(0, 5000).last_seq).toBe(100);
  });

  it('keeps a 1 MiB message cut to maxEntryBytes with a marker of its size, and hands the cut entry on', () => {
    const buf = new LogBuffer(5000, 'run');
    const seen: string[] = [];
    buf.onDidAppend((e) => seen.push(e.message));
    Logger.create({ level: 'info', sinks: [buf], instance: 'run' }).info('z'.repeat(MiB));
    const [entry] = buf.read().entries;
    expect(Buffer.byteLength(entry?.message ?? '', 'utf8')).toBeLessThanOrEqual(buf.limits.maxEntryBytes);
    expect(entry?.message).toMatch(/^z+\.\.\. \[truncated: 1048576 bytes\]$/);
    expect(seen).toEqual([entry?.message]);
  });

  it('cuts between characters, never inside one', () => {
    const buf = new LogBuffer(10, 'run', { maxEntryBytes: 100 });
    Logger.create({ level: 'info', sinks: [buf], instance: 'run' }).info('€'.repeat(1000));
    const msg = buf.read().entries[0]?.message ?? '';
    expect(msg).toMatch(/^€+\.\.\. \[truncated: 3000 bytes\]$/);
    expect(Buffer.byteLength(msg, 'utf8')).toBeLessThanOrEqual(100);
  });

  it('a page of 1000 one-MiB lines stays within maxPageBytes and holds the newest', () => {
    const buf = new LogBuffer(5000, 'run');
    const log = Logger.create({ level: 'info', sinks: [buf], instance: 'run' });
    const big = 'q'.repeat(MiB);
    for (let i = 0; i < 1000; i++) log.info(big);
    const page = buf.read(0, 5000);
    expect(json(page)).toBeLessThanOrEqual(buf.limits.maxPageBytes);
    expect(page.entries.length).toBeGreaterThan(0);
    expect(page.entries.at(-1)?.seq).toBe(1000);
    expect(page.last_seq).toBe(1000);
    expect(buf.size.bytes).toBeLessThanOrEqual(buf.limits.maxBytes);
  });

  it('a single entry larger than a whole page is cut to fit it (limits set so)', () => {
    const buf = new LogBuffer(10, 'run', { maxEntryBytes: 64 * 1024, maxPageBytes: 4 * 1024 });
    Logger.create({ level: 'info', sinks: [buf], instance: 'run' }).info('\u0001'.repeat(60 * 1024)); // 6 JSON bytes per byte
    const page = buf.read();
    expect(json(page)).toBeLessThanOrEqual(4 * 1024);
    expect(page.entries[0]?.message).toMatch(/\.\.\. \[truncated: \d+ bytes\]$/);
  });
});

describe('logger cuts huge messages for every sink (B5)', () => {
  it('a 1 MiB message reaches every sink (the file too) cut to maxMessageBytes, redacted, marked with its size', () => {
    const got: LogEntry[] = [];
    const sink: LogSink = { write: (e) => got.push(e) };
    const secret = 'SECRET-token-0123456789';
    const redactor = new Redactor();
    redactor.add(secret);
    const max = 1000;
    const log = Logger.create({ level: 'info', sinks: [sink, sink], redactor, maxMessageBytes: max });
    // the secret straddles the cut: no part of it may show
    const message = 'a'.repeat(max - 40) + secret + 'b'.repeat(1024 * 1024);
    log.info(message);
    expect(got).toHaveLength(2);
    for (const e of got) {
      expect(Buffer.byteLength(e.message, 'utf8')).toBeLessThanOrEqual(max);
      expect(e.message).toMatch(new RegExp(`^a+\\[redacted\\]b*\\.\\.\\. \\[truncated: ${Buffer.byteLength(message)} bytes\\]$`));
      expect(e.message).not.toContain('SECRET');
    }
  });
});
