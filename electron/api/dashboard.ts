/**
 * Serves the built dashboard (dist-renderer/, from `npx vite build -c renderer/vite.config.ts`) at
 * `/` of the REST server. The pages' paths answer with index.html so a reload works; unknown
 * `/api/...` paths still reach the JSON not-found handler. Headers lock the page down: a strict
 * CSP without inline scripts or styles, no referrer (the token lives in the URL fragment at first).
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const DASHBOARD_ROUTES = ['/', '/interpreters', '/connection', '/config', '/deliveries', '/logs', '/plugins'] as const;

export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

export interface DashboardOptions {
  /** Folder holding index.html and assets/ (default: dist-renderer/ at the repository root). */
  root?: string;
}

/** The repository root: the nearest folder above this file that holds package.json. */
function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return start;
    dir = up;
  }
}

export function defaultDashboardRoot(): string {
  return path.join(findRepoRoot(path.dirname(fileURLToPath(import.meta.url))), 'dist-renderer');
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Webhook Bridge: dashboard not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>The dashboard is not built yet</h1>
<p>The REST API is running. To get the dashboard, build it once from the repository folder:</p>
<pre>npx vite build -c renderer/vite.config.ts</pre>
<p>then reload this page. The API stays available at <code>/api/...</code>; its description is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>
`;

function securityHeaders(reply: FastifyReply): void {
  reply.header('Content-Security-Policy', DASHBOARD_CSP);
  reply.header('Referrer-Policy', 'no-referrer');
  reply.header('X-Frame-Options', 'DENY');
  reply.header('Cross-Origin-Opener-Policy', 'same-origin');
  reply.header('Cross-Origin-Resource-Policy', 'same-origin');
  reply.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
}

/** Returns the plugin for `ServerOptions.plugins`. */
export function dashboardPlugin(opts: DashboardOptions = {}): (app: FastifyInstance) => Promise<void> {
  const root = path.resolve(opts.root ?? defaultDashboardRoot());
  const indexFile = path.join(root, 'index.html');
  return async (app) => {
    await app.register(async (scope) => {
      scope.addHook('onSend', async (request, reply, payload) => {
        securityHeaders(reply);
        // Hashed file names never change content: cache them; everything else is re-read.
        if (request.url.startsWith('/assets/') && reply.statusCode === 200) reply.header('Cache-Control', 'public, max-age=31536000, immutable');
        if (request.url === '/favicon.svg' && reply.statusCode === 200) reply.header('Cache-Control', 'public, max-age=86400');
        return payload;
      });

      // Files under assets/ (checked per request, so a build made after start is served too).
      await scope.register(fastifyStatic, { root: path.join(root, 'assets'), prefix: '/assets/', wildcard: true, index: false, decorateReply: false, dotfiles: 'deny', etag: true, lastModified: false });

      const page = async (_req: unknown, reply: FastifyReply): Promise<FastifyReply> => {
        let html: string;
        try {
          html = await fs.readFile(indexFile, 'utf8');
        } catch {
          return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
        }
        return reply.code(200).type('text/html; charset=utf-8').send(html);
      };
      for (const route of DASHBOARD_ROUTES) scope.get(route, page);

      scope.get('/favicon.svg', async (_req, reply) => {
        try {
          const svg = await fs.readFile(path.join(root, 'favicon.svg'));
          return await reply.type('image/svg+xml').header('Cache-Control', 'public, max-age=86400').send(svg);
        } catch {
          return reply.callNotFound();
        }
      });
    });
  };
}
