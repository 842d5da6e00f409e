import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { contentTypeOf, registerAppScheme, rendererHandler, resolveRendererFile } from '../../electron/main/app-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/security.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'wb-renderer-'));
mkdirSync(path.join(root, 'assets'));
writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>dash</title>');
writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(path.join(root, 'assets', 'app.css'), 'body{}');
writeFileSync(path.join(os.tmpdir(), 'wb-secret.txt'), 'secret');

describe('resolveRendererFile', () => {
  it('maps app://bridge paths into the dashboard folder', () => {
    expect(resolveRendererFile(root, 'app://bridge/assets/app.js')).toEqual({ file: path.join(root, 'assets', 'app.js'), fallback: false });
    expect(resolveRendererFile(root, 'app://bridge/')).toEqual({ file: path.join(root, 'index.html'), fallback: true });
    expect(resolveRendererFile(root, 'app://bridge/#/logs')).toEqual({ file: path.join(root, 'index.html'), fallback: true });
    expect(resolveRendererFile(root, 'app://bridge/connection')).toEqual({ file: path.join(root, 'index.html'), fallback: true });
    expect(resolveRendererFile(root, 'app://bridge/dashboard/assets/app.js', '/dashboard/')).toEqual({ file: path.join(root, 'assets', 'app.js'), fallback: false });
  });

  it.each([
    'app://bridge/../wb-secret.txt',
    'app://bridge/%2e%2e/wb-secret.txt',
    'app://bridge/assets/%2E%2E/%2E%2E/wb-secret.txt',
    'app://bridge/assets/..%2f..%2fwb-secret.txt',
    'app://bridge/..%5c..%5cwb-secret.txt',
    'app://bridge/C:/Windows/win.ini',
    'app://bridge/a%00.js',
    'app://bridge/%E0%A4%A',
  ])('never leaves the dashboard folder for %s', (url) => {
    // URL parsing already folds dot segments (`/../x` is `/x`); what survives is refused.
    const r = resolveRendererFile(root, url);
    if ('file' in r) expect(r.file.startsWith(root + path.sep)).toBe(true);
  });

  it.each(['app://bridge/..%5c..%5cwb-secret.txt', 'app://bridge/C:/Windows/win.ini', 'app://bridge/a%00.js', 'app://bridge/assets/..%2f..%2fwb-secret.txt'])(
    'refuses %s outright',
    (url) => {
      expect(resolveRendererFile(root, url)).toMatchObject({ error: 400 });
    },
  );

  it('resolves a folded traversal inside the folder, where the file does not exist', async () => {
    expect(resolveRendererFile(root, 'app://bridge/%2e%2e/wb-secret.txt')).toEqual({ file: path.join(root, 'wb-secret.txt'), fallback: false });
    expect((await rendererHandler({ root })(new Request('app://bridge/../../wb-secret.txt'))).status).toBe(404);
  });

  it('refuses other hosts and schemes', () => {
    expect(resolveRendererFile(root, 'app://evil/index.html')).toMatchObject({ error: 404 });
    expect(resolveRendererFile(root, 'file:///etc/passwd')).toMatchObject({ error: 404 });
    expect(resolveRendererFile(root, 'nonsense')).toMatchObject({ error: 400 });
  });

  it('names content types', () => {
    expect(contentTypeOf('a/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('a/x.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('a/x.woff2')).toBe('font/woff2');
    expect(contentTypeOf('a/x.bin')).toBe('application/octet-stream');
  });
});

describe('rendererHandler', () => {
  const handler = rendererHandler({ root });

  it('serves files with the CSP and content type', async () => {
    const res = await handler(new Request('app://bridge/assets/app.js'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe('console.log(1)');
  });

  it('answers routes with index.html', async () => {
    const res = await handler(new Request('app://bridge/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<title>dash</title>');
  });

  it('answers 404 (with the CSP) for missing files and traversal, 405 for other methods', async () => {
    const missing = await handler(new Request('app://bridge/assets/nope.js'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect((await handler(new Request('app://bridge/..%2fwb-secret.txt'))).status).toBe(400);
    expect((await handler(new Request('app://bridge/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('explains a dashboard that is not built', async () => {
    const onError = vi.fn();
    const empty = rendererHandler({ root: mkdtempSync(path.join(os.tmpdir(), 'wb-empty-')), onError });
    const res = await empty(new Request('app://bridge/'));
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/not built/);
    expect(onError).toHaveBeenCalledWith(expect.stringMatching(/dashboard not built/));
  });
});

describe('registerAppScheme', () => {
  it('makes app: a standard, secure, CORS-enabled scheme (a real origin; module scripts and crossorigin styles load)', () => {
    const registerSchemesAsPrivileged = vi.fn();
    registerAppScheme({ registerSchemesAsPrivileged });
    expect(registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
    ]);
  });
});
