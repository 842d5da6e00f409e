import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { httpStatusOf, type ErrorCode } from '../../shared/errors.js';
import type { InputValidator } from '../core/input.js';
import { AppError } from '../core/app-error.js';
import type { Logger } from '../core/logging/logger.js';
import type { Handlers } from '../core/operations.js';
import type { EventBus } from '../core/events.js';
import { errorPayload, installErrorHandling } from './error-replies.js';
import { buildOpenApi } from './openapi.js';
import { registerOperationRoutes } from './routes.js';
import { checkOrigin, securityHook } from './security.js';
import { registerEventStream } from './sse.js';

export const BODY_LIMIT = 1024 * 1024;

export interface ServerOptions {
  handlers: Handlers;
  /** The one validator of operation inputs, shared with the IPC adapter (built once by startBridge). */
  validator: InputValidator;
  events: EventBus;
  logger: Logger;
  token: string;
  listenHost: string;
  version?: string;
  /** Extra routes (webhooks, the dashboard's files) registered by other adapters. */
  plugins?: Array<(app: FastifyInstance) => void | Promise<void>>;
  fallbackPort?: number;
  /** `server.metrics_unauthenticated`, read at each request (see SecurityOptions). */
  metricsUnauthenticated?: () => boolean;
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

/** Node's parser errors with a code of their own; every other one is a malformed request (400). */
const CLIENT_ERRORS: Readonly<Record<string, readonly [ErrorCode, string]>> = {
  HPE_HEADER_OVERFLOW: ['HEADERS_TOO_LARGE', 'request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: ['REQUEST_TIMEOUT', 'the request did not arrive in time'],
};

/**
 * Answers a request node's HTTP parser refused (bad request line, header or Content-Length, NUL
 * bytes, headers over the size limit, a request too slow to arrive) with the error envelope.
 */
function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, message] = (err.code !== undefined && Object.hasOwn(CLIENT_ERRORS, err.code) ? CLIENT_ERRORS[err.code] : undefined) ?? ['INVALID_INPUT', 'malformed HTTP request'];
  const status = httpStatusOf(code);
  const body = JSON.stringify(errorPayload(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Builds the REST app without listening (tests use it with a real socket or `inject()`). */
export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const security = {
    token: opts.token,
    listenHost: opts.listenHost,
    ...(opts.fallbackPort ? { fallbackPort: opts.fallbackPort } : {}),
    ...(opts.metricsUnauthenticated ? { metricsUnauthenticated: opts.metricsUnauthenticated } : {}),
  };
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: true,
    // A request without Host reaches the security hook (403 JSON) instead of node's bare 400.
    http: { requireHostHeader: false },
    // Longer than every name the contract allows (plugin names go to 128 characters).
    routerOptions: { maxParamLength: 256 },
    clientErrorHandler: answerClientError,
    // Requests the router refuses before any hook (bad percent-encoding, over-long parameter):
    // same Host/Origin guard as every request, then the error envelope.
    frameworkErrors: (err, request, reply) => {
      const code = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'URI_TOO_LONG' : 'INVALID_INPUT';
      let status: number = httpStatusOf(code);
      let body = errorPayload(code, code === 'URI_TOO_LONG' ? 'a path segment is too long' : 'the URL is not valid percent-encoding');
      try {
        checkOrigin(request, security);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        status = httpStatusOf(e.code);
        body = { error: e.toBody() };
      }
      void (reply as unknown as FastifyReply).code(status).header('X-Content-Type-Options', 'nosniff').header('Cache-Control', 'no-store').send(body);
    },
  });
  // CONNECT never reaches a route (node hands it to a 'connect' listener or drops the socket): say no.
  app.server.on('connect', (_req: unknown, socket: Socket) => {
    const body = JSON.stringify(errorPayload('METHOD_NOT_ALLOWED', 'CONNECT is not supported: this is not a proxy'));
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  const log = opts.logger.child('api');
  installErrorHandling(app, log);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(/^application\/([a-z0-9.+-]+\+)?json/i, { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJson(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('onRequest', securityHook(security));
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
  registerOperationRoutes(app, opts.handlers, opts.validator);
  registerEventStream(app, opts.events);
  for (const plugin of opts.plugins ?? []) await plugin(app);
  return app;
}
