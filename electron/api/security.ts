import { timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/app-error.js';
import { METRICS_PATH } from './metrics.js';

export interface SecurityOptions {
  token: string;
  /** The configured listen host, allowed in Host headers when it is not a loopback name. */
  listenHost: string;
  /** Used when the socket cannot tell its port (inject() tests). */
  fallbackPort?: number;
  /**
   * `server.metrics_unauthenticated`, read at each request: when true and the API listens on a
   * loopback address, loopback clients may scrape `GET /metrics` without the token.
   */
  metricsUnauthenticated?: () => boolean;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The exact `Host` values the API answers to (compared lower-case): the loopback names with the
 * port, and the bare names on port 80, where browsers leave the port out. Nothing else: no
 * trailing-dot names, no other spellings of the addresses (`127.1`, `[::ffff:127.0.0.1]`), no
 * `0.0.0.0` (browsers reach it as loopback, the "0.0.0.0 day").
 */
function allowedHosts(port: number, listenHost: string): Set<string> {
  const names = [...LOOPBACK_NAMES];
  const extra = (listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost).toLowerCase();
  if (!names.includes(extra) && extra !== '0.0.0.0' && extra !== '[::]') names.push(extra);
  const hosts = names.map((n) => `${n}:${port}`);
  if (port === 80) hosts.push(...names);
  return new Set(hosts);
}

const DASHBOARD = '/api/dashboard';

function underDashboard(p: string): boolean {
  return p === DASHBOARD || p.startsWith(`${DASHBOARD}/`);
}

/**
 * The request path made conservative for the token decision: percent-decoded (the router decodes
 * before matching, so `/api/%64ashboard/…` reaches a dashboard route), backslashes as slashes,
 * duplicate slashes and dot segments resolved, lower-cased. It only ever widens what needs the token.
 */
/** Segments of unreserved characters, no dot: decoding and normalizing leave such a path as it is. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-]+)+\/?$/;

export function canonicalPath(url: string): string {
  const q = url.indexOf('?');
  const raw = q === -1 ? url : url.slice(0, q);
  if (PLAIN_PATH.test(raw)) return raw.toLowerCase();
  let decoded = raw;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      break;
    }
    if (next === decoded) break;
    decoded = next;
  }
  return path.posix.normalize(decoded.replace(/\\/g, '/')).toLowerCase();
}

/** A loopback host name or address (IPv4 127/8, ::1, localhost), bracketed or not. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/**
 * May this request read `/metrics` without the token? Only with `server.metrics_unauthenticated`,
 * while the API listens on a loopback address, from a loopback peer.
 */
function openMetrics(request: FastifyRequest, opts: Pick<SecurityOptions, 'listenHost' | 'metricsUnauthenticated'>): boolean {
  return opts.metricsUnauthenticated?.() === true && isLoopbackHost(opts.listenHost) && isLoopbackHost(request.socket?.remoteAddress ?? '');
}

/**
 * Does this request need the API token? Decided on the route it was matched to and on its canonical
 * path: the dashboard API, and `/metrics` unless it is open to this request (`openMetrics`).
 */
export function needsToken(request: FastifyRequest, opts: Pick<SecurityOptions, 'listenHost' | 'metricsUnauthenticated'> = { listenHost: '' }): boolean {
  const route = request.routeOptions.url?.toLowerCase();
  const canonical = canonicalPath(request.url);
  if (underDashboard(canonical) || (route !== undefined && underDashboard(route))) return true;
  return (canonical === METRICS_PATH || route === METRICS_PATH) && !openMetrics(request, opts);
}

/**
 * The checks that need no route: DNS-rebinding guard (Host), cross-site guard (Origin), and a
 * request target that is a plain path (an absolute-form target `GET http://…/api/…` names another
 * authority than Host and was routed without the token check). Throws the error to answer with.
 */
/** The allowed Host values of the last port and listen host asked for (the same on every request). */
let lastHosts: { port: number; listenHost: string; hosts: Set<string> } | undefined;

function cachedAllowedHosts(port: number, listenHost: string): Set<string> {
  if (lastHosts?.port !== port || lastHosts.listenHost !== listenHost) lastHosts = { port, listenHost, hosts: allowedHosts(port, listenHost) };
  return lastHosts.hosts;
}

export function checkOrigin(request: FastifyRequest, opts: SecurityOptions): void {
  const port = request.socket?.localPort ?? opts.fallbackPort ?? 0;
  const hosts = cachedAllowedHosts(port, opts.listenHost);
  const host = request.headers.host?.toLowerCase();
  if (!host || !hosts.has(host)) {
    throw new AppError('FORBIDDEN', 'forbidden Host header: this API answers only on its loopback address');
  }
  const origin = request.headers.origin?.toLowerCase();
  if (origin !== undefined && !(origin.startsWith('http://') && hosts.has(origin.slice('http://'.length)))) {
    throw new AppError('FORBIDDEN', 'cross-origin requests are not allowed');
  }
  // a browser's no-cors request (an <img> or <form> aimed at a webhook) carries no Origin, but
  // it says where it comes from: only the dashboard's own pages and direct navigation pass
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw new AppError('FORBIDDEN', 'cross-site requests are not allowed');
  }
  if (!request.url.startsWith('/')) {
    throw new AppError('INVALID_INPUT', 'the request target must be a path (origin-form)');
  }
}

/**
 * The credentials of an `Authorization: Bearer <token>` header, or '' for any other. The scheme
 * name is case-insensitive (RFC 9110 §11.1, formerly RFC 7235: `bearer` and `BEARER` are Bearer);
 * one or more spaces separate it from the token.
 */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.length <= 7 || header.slice(0, 7).toLowerCase() !== 'bearer ') return '';
  return header.slice(7).trim();
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
 * Runs on every request before its handler (and before the 404 handler): Host, Origin and request
 * target (`checkOrigin`), JSON-only mutations on the dashboard API, then the bearer token there.
 * An unknown dashboard path gets the same 401 as a known one, so it does not reveal what exists.
 */
export function securityHook(opts: SecurityOptions) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    checkOrigin(request, opts);
    if (!needsToken(request, opts)) return;
    if (MUTATING.has(request.method)) {
      const type = request.headers['content-type'];
      const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
      if ((type !== undefined && !isJsonType(type)) || (type === undefined && hasBody)) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `request bodies must be application/json (got ${type ?? 'no content type'})`);
      }
    }
    const given = bearerToken(request.headers.authorization);
    if (!given || !safeEqual(given, opts.token)) {
      throw new AppError('UNAUTHORIZED', 'missing or wrong API token: send Authorization: Bearer <token>');
    }
  };
}
