/**
 * Builds the dashboard into `dist-renderer/` at the repository root:
 *   npx vite build -c renderer/vite.config.ts
 * The output has no inline scripts or styles, so it runs under `script-src 'self'; style-src 'self'`.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** `WEBHOOK_BRIDGE_URL=http://127.0.0.1:8000 npx vite -c renderer/vite.config.ts`: dev server proxying the API. */
const target = process.env['WEBHOOK_BRIDGE_URL'] ?? 'http://127.0.0.1:8000';
const proxy = {
  target,
  changeOrigin: true,
  // The bridge refuses cross-origin requests; the dev server's Origin is not the bridge's.
  configure: (p: { on(event: 'proxyReq', cb: (req: { removeHeader(name: string): void }) => void): void }) =>
    p.on('proxyReq', (req) => req.removeHeader('origin')),
};

const rendererDir = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist-renderer', import.meta.url));

export default defineConfig({
  root: rendererDir,
  base: '/',
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // The preload polyfill would be an inline-free module anyway; modern Chromium needs none.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into scripts/styles (keeps the CSP simple).
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: { port: 5173, strictPort: false, proxy: { '/api': proxy, '/health': proxy } },
});
