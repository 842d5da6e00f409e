import type { FastifyInstance } from 'fastify';
import { EVENTS_PATH, eventNames } from '../../shared/contract.js';
import type { LogEntry } from '../../shared/dto/logs.js';
import type { Disposable, EventBus } from '../core/events.js';
import { truncateUtf8 } from '../core/logging/logger.js';

/**
 * Unsent bytes a slow event-stream client may hold before it is dropped (it reconnects and reloads
 * its snapshot). A client with nothing pending always takes the next event, whatever its size.
 */
export const MAX_BACKLOG_BYTES = 1024 * 1024;

/**
 * A log line on the stream is cut to this (marked with its size; `GET /logs` has it up to 64 KiB):
 * every byte sent is copied once per client into the kernel, and sockets of clients that stopped
 * reading take megabytes there before any backlog shows here.
 */
export const MAX_STREAMED_LOG_BYTES = 8 * 1024;

/** What the broadcaster needs of a client's response (an `http.ServerResponse`). */
export interface StreamClient {
  readonly writableLength: number;
  write(chunk: Buffer): boolean;
  destroy(): void;
}

/**
 * Every contract event, serialised once into one Buffer that every client's socket queues by
 * reference (a string would be encoded again per client), with one `id:` sequence for the server.
 */
export class EventBroadcaster implements Disposable {
  private readonly clients = new Set<StreamClient>();
  private readonly subs: Disposable[];
  private readonly ping: NodeJS.Timeout;
  private seq = 0;

  constructor(
    events: EventBus,
    private readonly maxBacklogBytes = MAX_BACKLOG_BYTES,
    pingMs = 15_000,
  ) {
    this.subs = eventNames.map((name) =>
      events.on(name, (payload) => {
        if (this.clients.size === 0) return;
        const data = name === 'logAppended' ? cutLogEntry(payload as LogEntry) : payload;
        this.broadcast(Buffer.from(`id: ${++this.seq}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`, 'utf8'));
      }),
    );
    this.ping = setInterval(() => this.broadcast(PING), pingMs);
    this.ping.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Starts sending to `client`; the returned Disposable stops (call it when the client goes). */
  add(client: StreamClient): Disposable {
    this.clients.add(client);
    return { dispose: () => this.clients.delete(client) };
  }

  private broadcast(chunk: Buffer): void {
    for (const client of [...this.clients]) {
      const backlog = client.writableLength;
      if (backlog > 0 && backlog + chunk.length > this.maxBacklogBytes) {
        // a client that stopped reading is dropped instead of holding events without bound
        this.clients.delete(client);
        client.destroy();
        continue;
      }
      client.write(chunk);
    }
  }

  dispose(): void {
    clearInterval(this.ping);
    for (const s of this.subs) s.dispose();
    this.clients.clear();
  }
}

const PING = Buffer.from(': ping\n\n');

function cutLogEntry(entry: LogEntry): LogEntry {
  const message = truncateUtf8(entry.message, MAX_STREAMED_LOG_BYTES);
  return message === entry.message ? entry : { ...entry, message };
}

/**
 * `GET /api/dashboard/events`: every pushed event as server-sent events (`event: <name>`).
 * Auth and Origin are checked by the security hook like any dashboard route.
 */
export function registerEventStream(app: FastifyInstance, events: EventBus): void {
  const broadcaster = new EventBroadcaster(events);
  app.addHook('onClose', async () => broadcaster.dispose());
  app.get(EVENTS_PATH, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    const head = {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
    };
    // HEAD (fastify routes it here too) has no body: answer the headers and end, not an endless stream.
    if (request.method === 'HEAD') {
      res.writeHead(200, head);
      res.end();
      return;
    }
    res.writeHead(200, { ...head, Connection: 'keep-alive' });
    res.write(': connected\n\n');
    const sub = broadcaster.add(res);
    const close = (): void => sub.dispose();
    request.raw.on('close', close);
    res.on('close', close);
    res.on('error', close);
  });
}
