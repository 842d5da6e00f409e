import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, DASHBOARD_ROUTES, dashboardPlugin } from '../../electron/api/dashboard.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A server with the same JSON not-found answer as the REST API. */
async function serve(root: string): Promise<FastifyInstance> {
  app = Fastify();
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` } }));
  app.get('/api/dashboard/config', async () => ({ ok: true }));
  await dashboardPlugin({ root })(app);
  await app.ready();
  return app;
}

async function built(): Promise<string> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'wb-dash-'));
  await fs.mkdir(path.join(root, 'assets'));
  await fs.writeFile(path.join(root, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/assets/app-1.js"></script>');
  await fs.writeFile(path.join(root, 'assets', 'app-1.js'), 'console.log(1)');
  await fs.writeFile(path.join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return root;
}

describe('dashboard static plugin', () => {
  it('answers every page route with index.html and the security headers', async () => {
    const s = await serve(await built());
    for (const url of DASHBOARD_ROUTES) {
      const res = await s.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('<div id="root">');
      expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
    expect(DASHBOARD_CSP).toContain("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    expect((await s.inject({ method: 'HEAD', url: '/logs' })).statusCode).toBe(200);
  });

  it('serves hashed assets with a long cache, and the favicon', async () => {
    const s = await serve(await built());
    const js = await s.inject({ method: 'GET', url: '/assets/app-1.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('javascript');
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await s.inject({ method: 'GET', url: '/favicon.svg' })).headers['content-type']).toContain('image/svg+xml');
  });

  it('leaves unknown paths to the JSON not-found handler (API, assets, deeper page paths)', async () => {
    const s = await serve(await built());
    for (const url of ['/api/nothing', '/api/dashboard/nope', '/assets/missing.js', '/interpreters/extra', '/../../etc/passwd', '/assets/../index.html']) {
      const res = await s.inject({ method: 'GET', url });
      if (res.statusCode === 200) expect(res.body, url).toContain('<div id="root">');
      else {
        expect(res.statusCode, url).toBe(404);
        expect(res.json(), url).toMatchObject({ error: { code: 'NOT_FOUND' } });
      }
    }
    expect((await s.inject({ method: 'GET', url: '/api/dashboard/config' })).json()).toEqual({ ok: true });
  });

  it('says how to build the dashboard when dist-renderer is missing', async () => {
    const s = await serve(path.join(os.tmpdir(), `wb-missing-${process.pid}-${Date.now()}`));
    const res = await s.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('npx vite build -c renderer/vite.config.ts');
    expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect((await s.inject({ method: 'GET', url: '/api/x' })).statusCode).toBe(404);
  });
});
