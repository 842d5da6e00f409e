import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';

export interface SecurityOptions {
  token: string;
  /** The configured listen host, allowed in Host headers when it is not a loopback name. */
  listenHost: string;
  /** Used when the socket cannot tell its port (inject() tests). */
  fallbackPort?: number;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function allowedHosts(port: number, listenHost: string): Set<string> {
  const names = [...LOOPBACK_NAMES];
  const extra = listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
  if (!names.includes(extra) && extra !== '0.0.0.0' && extra !== '[::]') names.push(extra);
  return new Set(names.map((n) => `${n}:${port}`.toLowerCase()));
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Is this a JSON media type (`application/json`, `application/problem+json`, with parameters)? */
export function isJsonType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/**
 * Runs before routing on every request: DNS-rebinding guard (Host), cross-site guard (Origin),
 * JSON-only mutations on the dashboard API, then the bearer token on /api/dashboard.
 */
export function securityHook(opts: SecurityOptions) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const port = request.socket.localPort ?? opts.fallbackPort ?? 0;
    const hosts = allowedHosts(port, opts.listenHost);
    const host = request.headers.host?.toLowerCase();
    if (!host || !hosts.has(host)) {
      throw new AppError('FORBIDDEN', 'forbidden Host header: this API answers only on its loopback address');
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !hosts.has(origin.toLowerCase().replace(/^http:\/\//, '')) ) {
      throw new AppError('FORBIDDEN', 'cross-origin requests are not allowed');
    }
    if (origin !== undefined && !origin.toLowerCase().startsWith('http://')) {
      throw new AppError('FORBIDDEN', 'cross-origin requests are not allowed');
    }
    const url = request.url;
    const dashboard = url === '/api/dashboard' || url.startsWith('/api/dashboard/') || url.startsWith('/api/dashboard?');
    if (dashboard && MUTATING.has(request.method)) {
      const type = request.headers['content-type'];
      const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
      if ((type !== undefined && !isJsonType(type)) || (type === undefined && hasBody)) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `request bodies must be application/json (got ${type ?? 'no content type'})`);
      }
    }
    if (dashboard) {
      const auth = request.headers.authorization ?? '';
      const given = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
      if (!given || !safeEqual(given, opts.token)) {
        throw new AppError('UNAUTHORIZED', 'missing or wrong API token: send Authorization: Bearer <token>');
      }
    }
  };
}
