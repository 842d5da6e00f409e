import Fastify, { type FastifyInstance } from 'fastify';
import { InputValidator } from '../core/input.js';
import { AppError } from '../core/errors.js';
import type { Logger } from '../core/logging/logger.js';
import type { Handlers } from '../core/operations.js';
import type { EventBus } from '../core/events.js';
import { installErrorHandling } from './errors.js';
import { buildOpenApi } from './openapi.js';
import { registerOperationRoutes } from './routes.js';
import { securityHook } from './security.js';
import { registerEventStream } from './sse.js';

export const BODY_LIMIT = 1024 * 1024;

export interface ServerOptions {
  handlers: Handlers;
  events: EventBus;
  logger: Logger;
  token: string;
  listenHost: string;
  version?: string;
  /** Extra routes (webhooks, the dashboard's files) registered by other adapters. */
  plugins?: Array<(app: FastifyInstance) => void | Promise<void>>;
  fallbackPort?: number;
}

/** Decodes a JSON body strictly: invalid UTF-8 or JSON is a 400 that says so; empty is no body. */
function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new AppError('INVALID_INPUT', '(body): not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError('INVALID_INPUT', `(body): invalid JSON: ${err instanceof RangeError ? 'nested too deeply' : (err as Error).message}`);
  }
}

/** Builds the REST app without listening (tests use it with a real socket or `inject()`). */
export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT, return503OnClosing: true, forceCloseConnections: true });
  const log = opts.logger.child('api');
  const validator = new InputValidator();
  installErrorHandling(app, log);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(/^application\/([a-z0-9.+-]+\+)?json/i, { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJson(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('onRequest', securityHook({ token: opts.token, listenHost: opts.listenHost, ...(opts.fallbackPort ? { fallbackPort: opts.fallbackPort } : {}) }));
  app.addHook('onResponse', async (request, reply) => {
    if (log.enabled('debug')) log.debug(`${request.method} ${request.url.split('?')[0]} → ${reply.statusCode} (${reply.elapsedTime.toFixed(1)} ms)`);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Cache-Control', 'no-store');
    return payload;
  });
  const openapi = buildOpenApi(opts.version ?? '0.1.0');
  app.get('/api/openapi.json', async () => openapi);
  registerOperationRoutes(app, opts.handlers, validator);
  registerEventStream(app, opts.events);
  for (const plugin of opts.plugins ?? []) await plugin(app);
  return app;
}
