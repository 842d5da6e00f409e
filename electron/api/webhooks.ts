/**
 * Webhooks: `GET|POST|PUT|PATCH|DELETE /api/v1/webhook/:plugin` runs the plugin in the executor and
 * answers with its status, headers and body. Any content type is accepted as raw bytes (up to the
 * server's 1 MiB limit) inside this encapsulated scope only, so the dashboard API stays JSON-only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PLUGIN_NAME_PATTERN } from '../../shared/dto/plugins.js';
import { invalid } from '../core/app-error.js';
import type { Executor, HeaderPair } from '../core/services.js';

export const WEBHOOK_PATH = '/api/v1/webhook/:plugin';
/** The methods a webhook route answers (the OpenAPI document lists the same). */
export const WEBHOOK_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const NAME = new RegExp(PLUGIN_NAME_PATTERN);

/** Per-connection headers that must not be forwarded (RFC 9110 §7.6.1), plus framing we set ourselves. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'content-type',
  'date',
]);

function requestHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The headers as they came on the wire: names as sent, in order, repeats kept. */
function rawHeaderPairs(request: FastifyRequest): HeaderPair[] {
  const raw = request.raw.rawHeaders;
  const out: HeaderPair[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] ?? '', raw[i + 1] ?? '']);
  return out;
}

/**
 * The plugin's headers by lower-case name, repeats kept in order and hop-by-hop ones left out.
 * `reply.header` replaces a name set before (only `set-cookie` would append), so each name is set
 * once, with an array when it repeats: Node then writes one header line per value.
 */
export function groupHeaders(headers: readonly HeaderPair[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (HOP_BY_HOP.has(key)) continue;
    const values = out.get(key);
    if (values) values.push(value);
    else out.set(key, [value]);
  }
  return out;
}

/** The webhook routes for `ServerOptions.plugins`: each call goes to the executor's `execute`. */
export function webhookRoutes(executor: Pick<Executor, 'execute'>): (app: FastifyInstance) => void {
  return (app) => {
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      scope.route({
        method: [...WEBHOOK_METHODS],
        url: WEBHOOK_PATH,
        handler: async (request: FastifyRequest, reply: FastifyReply) => {
          const { plugin } = request.params as { plugin: string };
          if (!NAME.test(plugin)) {
            throw invalid('plugin', 'invalid plugin name', `plugin: invalid plugin name (expected ${PLUGIN_NAME_PATTERN})`);
          }
          const q = request.url.indexOf('?');
          // the HTTP client going away (its connection closed before our answer) cancels the call
          const gone = new AbortController();
          const res = reply.raw;
          const onClose = (): void => {
            if (!res.writableFinished) gone.abort();
          };
          res.once('close', onClose);
          const result = await executor.execute({
            plugin,
            method: request.method,
            path: q === -1 ? request.url : request.url.slice(0, q),
            headers: requestHeaders(request),
            query: q === -1 ? '' : request.url.slice(q + 1),
            body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
            contentType: request.headers['content-type'] ?? '',
            rawHeaders: rawHeaderPairs(request),
            ...(request.socket.remoteAddress ? { remoteAddress: request.socket.remoteAddress } : {}),
          }, { signal: gone.signal }).finally(() => res.off('close', onClose));
          const status = Number.isInteger(result.status) && result.status >= 100 && result.status <= 599 ? result.status : 500;
          reply.code(status);
          for (const [name, [first, ...more]] of groupHeaders(result.headers)) reply.header(name, more.length === 0 ? first : [first, ...more]);
          if (result.contentType) reply.header('content-type', result.contentType);
          return reply.send(result.body);
        },
      });
    });
  };
}
