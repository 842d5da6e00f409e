/**
 * Serves the built dashboard (`dist-renderer/`) at `app://bridge/…` with the app's security headers.
 * Electron's `protocol` is passed in; the path resolution is a pure function tested in Node.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Protocol } from 'electron';
import { APP_HOST, APP_SCHEME, securityHeaders } from './security.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type RendererFile = { file: string; fallback: boolean } | { error: 404 | 400; reason: string };

/**
 * Maps `app://bridge/<path>` to a file under `root`. Paths without an extension are the
 * single-page app's routes and get `index.html`. Traversal (`..`, encoded or not), backslashes,
 * NUL, drive letters and foreign hosts are refused.
 */
export function resolveRendererFile(root: string, requestUrl: string, base = '/'): RendererFile {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { error: 400, reason: 'bad URL' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return { error: 404, reason: 'foreign origin' };
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return { error: 400, reason: 'bad escape in path' };
  }
  if (/[\u0000\\:]/.test(pathname)) return { error: 400, reason: 'forbidden character in path' };
  if (pathname.startsWith(base)) pathname = `/${pathname.slice(base.length)}`;
  const segments = pathname.split('/').filter((s) => s.length > 0);
  if (segments.some((s) => s === '..' || s === '.')) return { error: 400, reason: 'dot segment in path' };
  const last = segments.at(-1) ?? '';
  const fallback = segments.length === 0 || path.posix.extname(last) === '';
  const relative = fallback ? 'index.html' : segments.join('/');
  const absRoot = path.resolve(root);
  const file = path.resolve(absRoot, relative);
  const rel = path.relative(absRoot, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return { error: 400, reason: 'outside the dashboard folder' };
  return { file, fallback };
}

/**
 * Before `app` is ready: `app:` as a standard, secure scheme (a real origin for `'self'`, a secure
 * context). The dashboard's `<script type="module" crossorigin>` and `<link crossorigin>` are
 * CORS-mode loads, which Chromium only performs for CORS-enabled schemes, hence `corsEnabled`; it
 * lets no other origin in, since the window never shows another origin (navigation is blocked).
 */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
  ]);
}

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8' } });
}

export interface ServeOptions {
  root: string;
  base?: string;
  onError?: (message: string) => void;
}

/** The request handler (a plain function of a Request, so a test can call it without Electron). */
export function rendererHandler(opts: ServeOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return textResponse(405, 'Method not allowed');
    const r = resolveRendererFile(opts.root, request.url, opts.base);
    if ('error' in r) return textResponse(r.error, r.reason);
    try {
      const body = await readFile(r.file);
      const headers = { ...securityHeaders(), 'Content-Type': contentTypeOf(r.file) };
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (r.fallback) {
        opts.onError?.(`dashboard not built: ${r.file} is missing (run the renderer build)`);
        return textResponse(404, 'The dashboard is not built. Run the renderer build (npm run build:renderer) and restart.');
      }
      if (code !== 'ENOENT') opts.onError?.(`cannot read ${r.file}: ${code ?? String(err)}`);
      return textResponse(404, 'Not found');
    }
  };
}

/** After `app` is ready: serve the dashboard folder on `app://bridge/`. */
export function serveRenderer(protocol: Pick<Protocol, 'handle'>, opts: ServeOptions): void {
  protocol.handle(APP_SCHEME, rendererHandler(opts));
}
