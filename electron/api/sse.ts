import type { FastifyInstance } from 'fastify';
import { EVENTS_PATH, eventNames } from '../../shared/contract.js';
import type { Disposable, EventBus } from '../core/events.js';

/** Unsent bytes a slow event-stream client may hold before it is dropped. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * `GET /api/dashboard/events`: every pushed event as server-sent events (`event: <name>`).
 * Auth and Origin are checked by the security hook like any dashboard route.
 */
export function registerEventStream(app: FastifyInstance, events: EventBus): void {
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
    let id = 0;
    const send = (chunk: string): void => {
      // a client that stopped reading is dropped instead of buffering events without bound;
      // it reconnects and reloads its snapshot
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        close();
        res.destroy();
        return;
      }
      res.write(chunk);
    };
    const subs: Disposable[] = eventNames.map((name) =>
      events.on(name, (payload) => send(`id: ${++id}\nevent: ${name}\ndata: ${JSON.stringify(payload)}\n\n`)),
    );
    const ping = setInterval(() => send(': ping\n\n'), 15_000);
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(ping);
      for (const s of subs) s.dispose();
    };
    request.raw.on('close', close);
    res.on('error', close);
  });
}
