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
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
    });
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
