import type { FastifyInstance } from 'fastify';
import { EVENTS_PATH, eventNames } from '../../shared/contract.js';
import type { Disposable, EventBus } from '../core/events.js';

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
    const subs: Disposable[] = eventNames.map((name) =>
      events.on(name, (payload) => {
        res.write(`id: ${++id}\nevent: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
      }),
    );
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    const close = (): void => {
      clearInterval(ping);
      for (const s of subs) s.dispose();
    };
    request.raw.on('close', close);
    res.on('error', close);
  });
}
