/**
 * `GET /metrics`: the core's Prometheus metrics as text (format 0.0.4), for any scraper. On the
 * API's security rules (`security.ts`): the bearer token like the dashboard API, unless
 * `server.metrics_unauthenticated` opens it to loopback clients of a loopback-bound API.
 */
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../core/metrics/metrics.js';

export const METRICS_PATH = '/metrics';

/** The route for `ServerOptions.plugins`. */
export function metricsRoute(metrics: Pick<Metrics, 'render' | 'contentType'>): (app: FastifyInstance) => void {
  return (app) => {
    app.get(METRICS_PATH, async (_request, reply) => {
      const text = await metrics.render();
      return reply.header('content-type', metrics.contentType).send(text);
    });
  };
}
