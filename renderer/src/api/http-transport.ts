import { EVENTS_PATH, eventNames, operations, type EventName, type OperationName } from '../../../shared/contract';
import { ApiError, errorFromBody } from './api-error';
import { SseParser } from './sse';
import type { AppEvent, Subscription, Transport } from './transport';

export interface HttpTransportOptions {
  /** Origin of the REST server; '' (same origin) in the served dashboard. */
  baseUrl?: string;
  getToken(): string | null;
  /** Called when the server rejects the token (401). */
  onUnauthorized?(): void;
  fetch?: typeof fetch;
  /** Reconnect delays of the event stream: doubles from `initialMs` up to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
  /** The stream is restarted when nothing (not even a ping) arrived for this long. */
  idleTimeoutMs?: number;
}

export interface BuiltRequest {
  url: string;
  init: RequestInit & { method: string; headers: Record<string, string> };
}

type Scalar = string | number | boolean;

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Maps one operation call onto its REST request: `{param}` from the input, GET → query, else JSON body. */
export function buildRequest(name: OperationName, input: unknown, baseUrl: string, token: string | null): BuiltRequest {
  const op = operations[name];
  const rest: Record<string, unknown> = typeof input === 'object' && input !== null ? { ...(input as Record<string, unknown>) } : {};
  const path = op.path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, key: string) => {
    const value = rest[key];
    if (!isScalar(value) || value === '') throw new ApiError('INVALID_INPUT', `${key}: is required`, { fields: [{ field: key, message: 'is required' }] });
    delete rest[key];
    return encodeURIComponent(String(value));
  });
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (op.auth && token) headers['Authorization'] = `Bearer ${token}`;
  let url = `${baseUrl}${path}`;
  const init: BuiltRequest['init'] = { method: op.method, headers, cache: 'no-store', credentials: 'omit' };
  const entries = Object.entries(rest).filter(([, v]) => v !== undefined);
  if (op.method === 'GET') {
    const query = new URLSearchParams();
    for (const [k, v] of entries) {
      if (Array.isArray(v)) for (const item of v) query.append(k, String(item));
      else if (isScalar(v)) query.append(k, String(v));
      else if (v !== null) query.append(k, JSON.stringify(v));
    }
    const qs = query.toString();
    if (qs) url += `?${qs}`;
  } else if (entries.length > 0) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(Object.fromEntries(entries));
  }
  return { url, init };
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: { message: text.slice(0, 500) } };
  }
}

/** Waits `ms` or until `signal` aborts; either way its abort listener is gone afterwards (one wait per reconnect). */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

function isEventName(name: string): name is EventName {
  return (eventNames as string[]).includes(name);
}

export function createHttpTransport(opts: HttpTransportOptions): Transport {
  const baseUrl = opts.baseUrl ?? '';
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const backoff = opts.backoff ?? { initialMs: 500, maxMs: 15_000 };
  const idleTimeoutMs = opts.idleTimeoutMs ?? 45_000;

  async function call(name: OperationName, input: unknown): Promise<unknown> {
    const { url, init } = buildRequest(name, input, baseUrl, opts.getToken());
    let res: Response;
    try {
      res = await doFetch(url, init);
    } catch (err) {
      throw new ApiError('UNREACHABLE', `cannot reach the bridge at ${baseUrl || location.origin}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const body = await readBody(res);
    if (res.ok) return body;
    const error = errorFromBody(body, res.status);
    if (res.status === 401) opts.onUnauthorized?.();
    throw error;
  }

  /** Reads the stream until it ends; resolves false when the server refused the token. */
  async function stream(sub: Subscription, signal: AbortSignal, opened: () => void): Promise<boolean> {
    const token = opts.getToken();
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (token) headers['Authorization'] = `Bearer ${token}`;
    const local = new AbortController();
    const abortLocal = (): void => local.abort();
    signal.addEventListener('abort', abortLocal, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(abortLocal, idleTimeoutMs);
    };
    try {
      const res = await doFetch(`${baseUrl}${EVENTS_PATH}`, { headers, cache: 'no-store', credentials: 'omit', signal: local.signal });
      if (res.status === 401) return false;
      if (!res.ok || !res.body) return true;
      opened();
      sub.onState('open');
      const parser = new SseParser();
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      touch();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        touch();
        for (const msg of parser.push(decoder.decode(value, { stream: true }))) {
          if (!isEventName(msg.event)) continue;
          let payload: unknown;
          try {
            payload = JSON.parse(msg.data);
          } catch {
            continue;
          }
          sub.onEvent({ name: msg.event, payload } as AppEvent);
        }
      }
      return true;
    } catch {
      return true;
    } finally {
      clearTimeout(idle);
      signal.removeEventListener('abort', abortLocal);
    }
  }

  function subscribe(sub: Subscription): () => void {
    const ctl = new AbortController();
    void (async () => {
      let attempt = 0;
      while (!ctl.signal.aborted) {
        sub.onState('connecting');
        const keepGoing = await stream(sub, ctl.signal, () => { attempt = 0; });
        if (ctl.signal.aborted) break;
        if (!keepGoing) {
          sub.onState('unauthorized');
          opts.onUnauthorized?.();
          break;
        }
        sub.onState('offline');
        const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
        attempt = Math.min(attempt + 1, 16);
        await sleep(delay * (0.75 + Math.random() * 0.5), ctl.signal);
      }
    })();
    return () => ctl.abort();
  }

  return { kind: 'http', call, subscribe };
}
