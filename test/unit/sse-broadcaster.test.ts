/**
 * B7: the event stream serialises an event once for all clients and bounds each client's backlog
 * in bytes. Clients are real `Writable` streams; a stalled one (its write never completes) is the
 * injected fault, standing for a socket whose reader stopped reading.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBroadcaster, MAX_BACKLOG_BYTES, MAX_STREAMED_LOG_BYTES } from '../../electron/api/sse.js';
import { EventBus } from '../../electron/core/events.js';
import type { LogEntry } from '../../shared/dto/logs.js';

function reader(): { stream: Writable; chunks: Buffer[]; destroyed: () => boolean } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { stream, chunks, destroyed: () => stream.destroyed };
}

function stalled(): { stream: Writable; maxBacklog: () => number } {
  let max = 0;
  const stream = new Writable({
    highWaterMark: 16 * 1024,
    write() {
      // never completes: everything after the first chunk stays queued
    },
  });
  const write = stream.write.bind(stream);
  return {
    stream: Object.assign(stream, {
      write: (chunk: Buffer) => {
        const ok = write(chunk);
        max = Math.max(max, stream.writableLength);
        return ok;
      },
    }),
    maxBacklog: () => max,
  };
}

const entry = (seq: number, message: string): LogEntry => ({ instance: 'run', seq, time: '2026-01-01T00:00:00.000Z', level: 'warn', source: 'test', message });

describe('event broadcaster', () => {
  const bus = new EventBus();
  let b: EventBroadcaster | undefined;
  afterEach(() => b?.dispose());

  it('serialises an event once: every client gets the very same Buffer, and toJSON runs once', () => {
    b = new EventBroadcaster(bus);
    const clients = Array.from({ length: 5 }, reader);
    for (const c of clients) b.add(c.stream);
    let serialised = 0;
    const payload = Object.assign(entry(1, 'hello'), { toJSON: () => (serialised++, entry(1, 'hello')) });
    bus.emit('logAppended', payload);
    expect(serialised).toBe(1);
    const first = clients[0]?.chunks[0];
    expect(first?.toString()).toMatch(/^id: 1\nevent: logAppended\ndata: \{.*"message":"hello".*\}\n\n$/);
    for (const c of clients) expect(c.chunks).toHaveLength(1);
    for (const c of clients) expect(c.chunks[0]).toBe(first);
  });

  it(`drops a stalled client before its backlog passes ${MAX_BACKLOG_BYTES} bytes, and keeps serving the others`, () => {
    b = new EventBroadcaster(bus);
    const slow = stalled();
    const fast = reader();
    b.add(slow.stream);
    b.add(fast.stream);
    const line = 'x'.repeat(60 * 1024);
    for (let i = 1; i <= 300; i++) bus.emit('logAppended', entry(i, line)); // 300 × 8 KiB streamed
    expect(slow.stream.destroyed).toBe(true);
    expect(slow.maxBacklog()).toBeLessThanOrEqual(MAX_BACKLOG_BYTES);
    expect(fast.destroyed()).toBe(false);
    expect(fast.chunks).toHaveLength(300);
    expect(b.size).toBe(1);
  });

  it(`streams a log line cut to ${MAX_STREAMED_LOG_BYTES} bytes, marked with its size`, () => {
    b = new EventBroadcaster(bus);
    const c = reader();
    b.add(c.stream);
    bus.emit('logAppended', entry(1, 'w'.repeat(60 * 1024)));
    const data = JSON.parse(/data: (.*)\n\n$/.exec(c.chunks[0]?.toString() ?? '')?.[1] ?? 'null') as LogEntry;
    expect(Buffer.byteLength(data.message)).toBeLessThanOrEqual(MAX_STREAMED_LOG_BYTES);
    expect(data.message).toMatch(/^w+\.\.\. \[truncated: 61440 bytes\]$/);
  });

  it('a client with nothing pending takes one event larger than the backlog bound', () => {
    b = new EventBroadcaster(bus, 1024);
    const c = reader();
    b.add(c.stream);
    bus.emit('logAppended', entry(1, 'y'.repeat(4000)));
    expect(c.chunks).toHaveLength(1);
    expect(c.destroyed()).toBe(false);
  });
});
