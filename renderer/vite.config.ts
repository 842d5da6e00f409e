/**
 * Builds the dashboard into `dist-renderer/` at the repository root:
 *   npx vite build -c renderer/vite.config.ts
 * The output has no inline scripts or styles, so it runs under `script-src 'self'; style-src 'self'`.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

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
  server: { port: 5173, strictPort: false },
});
