/**
 * HTTP clients for hostile tests: `sendHttp` goes through `node:http` (keep-alive agent, any body
 * bytes, any Host), `sendRaw` writes bytes straight to a TCP socket (malformed requests, bad
 * Content-Length, NUL in headers) and parses the first response itself. Both are bounded by a
 * timeout, so a hanging server fails the test instead of hanging it.
 */
import http from 'node:http';
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

export class RequestTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`no answer within ${ms} ms: ${what}`);
    this.name = 'RequestTimeout';
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function finish(status: number, headers: Record<string, string>, body: Buffer): RawResponse {
  const text = body.toString('utf8');
  return { status, headers, body, text, json: tryJson(text) };
}

export interface HttpOptions {
  port: number;
  method: string;
  /** Sent as is (node refuses bytes outside 0x21-0xff: percent-encode those, or use sendRaw). */
  path: string;
  /** Header names in lower case. `host` replaces the automatic Host header (`''` sends an empty one). */
  headers?: Record<string, string>;
  /** Send no Host header at all. */
  noHost?: boolean;
  body?: Buffer | string;
  agent?: http.Agent;
  timeoutMs?: number;
}

/** One request through node:http; rejects on timeout or when the connection fails without an answer. */
export function sendHttp(o: HttpOptions): Promise<RawResponse> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const headers = { ...o.headers };
  // node sends a body of GET/DELETE/OPTIONS unframed unless told its length: frame it explicitly
  if (o.body !== undefined && !('content-length' in headers) && !('transfer-encoding' in headers)) headers['content-length'] = String(Buffer.byteLength(o.body));
  const setHost = !o.noHost && !('host' in headers);
  return new Promise((resolve, reject) => {
    const what = `${o.method} ${o.path.slice(0, 200)}`;
    const req = http.request(
      { host: '127.0.0.1', port: o.port, method: o.method, path: o.path, headers, setHost, agent: o.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve(finish(res.statusCode ?? 0, h, Buffer.concat(chunks)));
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new RequestTimeout(what, timeoutMs));
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (o.body !== undefined) req.end(o.body);
    else req.end();
  });
}

/** Incremental parser of the first HTTP/1.x response in `buf`; null while incomplete. */
function parseResponse(buf: Buffer, closed: boolean): RawResponse | null {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const head = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(head[0])}`);
  const status = Number(m[1]);
  // an interim answer (100 Continue…) precedes the real one
  if (status >= 100 && status < 200 && status !== 101) return parseResponse(buf.subarray(headEnd + 4), closed);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const k = line.slice(0, i).trim().toLowerCase();
      const v = line.slice(i + 1).trim();
      headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
    }
  }
  const rest = buf.subarray(headEnd + 4);
  if (status === 204 || status === 304) return finish(status, headers, Buffer.alloc(0));
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    return rest.length >= n ? finish(status, headers, rest.subarray(0, n)) : null;
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const out: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = rest.indexOf('\r\n', at);
      if (eol === -1) return null;
      const size = parseInt(rest.subarray(at, eol).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size in response');
      if (size === 0) return finish(status, headers, Buffer.concat(out));
      if (rest.length < eol + 2 + size + 2) return null;
      out.push(rest.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  return closed ? finish(status, headers, rest) : null;
}

/**
 * Writes `bytes` to a fresh TCP connection and resolves with the first response. Rejects on
 * timeout, or when the server closes the connection without answering.
 */
export function sendRaw(port: number, bytes: Buffer | string, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let done = false;
    const settle = (err: Error | null, res?: RawResponse): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(res as RawResponse);
    };
    const timer = setTimeout(() => settle(new RequestTimeout(`raw ${JSON.stringify(bytes.slice(0, 80).toString())}`, timeoutMs)), timeoutMs);
    const tryParse = (closed: boolean): void => {
      try {
        const res = parseResponse(buf, closed);
        if (res) settle(null, res);
        else if (closed) settle(new Error(`connection closed without a complete answer (${buf.length} bytes)`));
      } catch (err) {
        settle(err as Error);
      }
    };
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    // the server may answer and close before reading everything we send: that is not an error
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') tryParse(true);
      else settle(err);
    });
    socket.write(bytes);
  });
}

/** Is this the API's error envelope `{ error: { code, message } }`? */
export function isErrorEnvelope(json: unknown): json is { error: { code: string; message: string } } {
  if (typeof json !== 'object' || json === null) return false;
  const e = (json as { error?: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { message?: unknown }).message === 'string';
}
