/**
 * Exports of a recorded delivery, pure functions: a curl command (export-curl.ts), the raw HTTP/1.1
 * request, and a pytest file that feeds the delivery to the plugin class (export-pytest.ts).
 */
export { toCurl } from './export-curl.js';
export { toPytest } from './export-pytest.js';

/** What an export needs of a delivery: the request as it arrived, and the status it got. */
export interface ExportSource {
  id: string;
  /** ISO time it arrived, for the comments. */
  receivedAt: string;
  plugin: string;
  method: string;
  /** The URL path, e.g. `/api/v1/webhook/github`. */
  path: string;
  /** The query string without `?` ('' when none). */
  query: string;
  /** As received, in order, repeats kept. */
  headers: ReadonlyArray<readonly [string, string]>;
  contentType: string;
  body: Uint8Array;
  /** The status the bridge answered, or null when the plugin never answered. */
  status: number | null;
}

/** Headers that described the first hop's framing: the raw request recomputes them for its one body. */
const FRAMING = new Set(['content-length', 'transfer-encoding']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** A header line's bytes: Latin-1 as HTTP carries it, UTF-8 for text beyond it (a redaction marker). */
function headerBytes(line: string): Buffer {
  return Buffer.from(line, /[^\u0000-\u00ff]/.test(line) ? 'utf8' : 'latin1');
}

/**
 * The request as one HTTP/1.1 message (CRLF line ends): the request line, the headers as received
 * (Host kept, or `fallbackHost` when none came), a Content-Length for the body, the body's bytes.
 */
export function toRawHttp(source: ExportSource, fallbackHost: string): Buffer {
  const method = source.method.toUpperCase();
  const lines = [`${method} ${source.path}${source.query ? `?${source.query}` : ''} HTTP/1.1`];
  if (!source.headers.some(([name]) => name.toLowerCase() === 'host')) lines.push(`Host: ${fallbackHost}`);
  for (const [name, value] of source.headers) {
    if (!FRAMING.has(name.toLowerCase())) lines.push(`${name}: ${value}`);
  }
  if (source.body.length > 0 || BODY_METHODS.has(method)) lines.push(`Content-Length: ${source.body.length}`);
  const head = Buffer.concat(lines.map((line) => headerBytes(`${line}\r\n`)));
  return Buffer.concat([head, Buffer.from('\r\n'), source.body]);
}
