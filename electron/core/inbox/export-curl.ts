/**
 * A recorded delivery as a curl command that sends the same bytes again. Every argument is quoted
 * for a POSIX shell; the body goes inline in single quotes when it is short plain text, and
 * otherwise through `printf` (octal escapes, so any byte, NUL included, arrives unchanged) piped
 * into `--data-binary @-`.
 */
import type { ExportSource } from './export.js';

/** Request headers curl sets itself from the command (or that describe the first hop only). */
const CURL_OWNS = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'http2-settings',
]);
/** Bodies up to this size that are plain text go inline; longer ones through printf (ARG_MAX stays far). */
const INLINE_LIMIT = 8192;
/** Input bytes per printf call: each call's format stays well under Linux's 128 KiB per argument. */
const PRINTF_CHUNK = 4096;

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * One shell word that stands for `value` exactly: bare when harmless, else single-quoted (`'\''` for a
 * quote), or `$'…'` (bash, zsh, ksh) when it holds control characters, which single quotes would
 * carry raw into the terminal.
 */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (SAFE_WORD.test(value)) return value;
  if (!CONTROL.test(value)) return singleQuoted(value);
  let out = "$'";
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f || ch === '!') out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/** `value` in POSIX single quotes: everything literal, newlines included. */
function singleQuoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The body as valid UTF-8 text, or null when it is not. */
function asText(body: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return null;
  }
}

function inlineable(body: Uint8Array, text: string | null): text is string {
  if (text === null || body.length > INLINE_LIMIT || text.startsWith('@')) return false;
  return !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text);
}

const octal = (byte: number): string => `\\${byte.toString(8).padStart(3, '0')}`;

/** One printf format (unquoted) that prints exactly `bytes`: UTF-8 text stays readable, the rest is octal. */
function printfFormat(bytes: Uint8Array): string {
  const text = asText(bytes);
  let out = '';
  if (text === null) {
    for (const byte of bytes) out += byte >= 0x20 && byte < 0x7f ? printfChar(String.fromCharCode(byte)) : octal(byte);
  } else {
    for (const ch of text) {
      const code = ch.codePointAt(0) ?? 0;
      if (code < 0x20 || code === 0x7f) out += ch === '\n' ? '\\n' : octal(code);
      else out += printfChar(ch);
    }
  }
  // a format starting with '-' could be read as an option by some printf builtins
  return out.startsWith('-') ? `\\055${out.slice(1)}` : out;
}

function printfChar(ch: string): string {
  if (ch === '\\') return '\\\\';
  if (ch === '%') return '%%';
  if (ch === "'") return '\\047';
  return ch;
}

/** Cuts `body` into chunks that never split a UTF-8 sequence (a cut one would turn into octal). */
function chunks(body: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  while (start < body.length) {
    let end = Math.min(start + PRINTF_CHUNK, body.length);
    let back = 0;
    while (end < body.length && back < 3 && ((body[end] ?? 0) & 0xc0) === 0x80) {
      end -= 1;
      back += 1;
    }
    if (back === 3 && ((body[end] ?? 0) & 0xc0) === 0x80) end += back; // not UTF-8 anyway
    out.push(body.subarray(start, end));
    start = end;
  }
  return out;
}

/** The curl command for a delivery, sent to `baseUrl` (e.g. `http://127.0.0.1:8000`). */
export function toCurl(source: ExportSource, baseUrl: string): string {
  const url = `${baseUrl.replace(/\/+$/, '')}${source.path}${source.query ? `?${source.query}` : ''}`;
  const hasBody = source.body.length > 0;
  const args: string[] = [];
  if (/[[\]{}]/.test(url)) args.push('--globoff');
  if (/\/\.\.?(\/|$)/.test(source.path)) args.push('--path-as-is');
  const method = source.method.toUpperCase();
  if (!(method === 'GET' && !hasBody) && !(method === 'POST' && hasBody)) args.push(`-X ${shellQuote(method)}`);
  args.push(shellQuote(url));
  let hasContentType = false;
  for (const [name, value] of source.headers) {
    const key = name.toLowerCase();
    if (CURL_OWNS.has(key)) continue;
    if (key === 'content-type') hasContentType = true;
    args.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  }
  // with a body and no Content-Type, curl would add application/x-www-form-urlencoded
  if (hasBody && !hasContentType) args.push(`-H ${shellQuote('Content-Type:')}`);
  if (!hasBody) return `curl ${args.join(' \\\n  ')}`;
  const text = asText(source.body);
  if (inlineable(source.body, text)) {
    args.push(`--data-binary ${singleQuoted(text)}`);
    return `curl ${args.join(' \\\n  ')}`;
  }
  args.push('--data-binary @-');
  const printfs = chunks(source.body).map((part) => `printf '${printfFormat(part)}'`);
  const feed = printfs.length === 1 ? printfs[0] : `{\n  ${printfs.join('\n  ')}\n}`;
  return `${feed} | curl ${args.join(' \\\n  ')}`;
}
