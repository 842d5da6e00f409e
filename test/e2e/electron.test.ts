/**
 * The desktop app end to end with Playwright's Electron support. Runs where the Electron binary
 * is installed and a display exists (CI on Linux: `xvfb-run -a npx vitest run test/e2e/electron`);
 * elsewhere it reports itself skipped with the reason.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { BridgeApi } from '../../shared/ipc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function electronBinary(): { path: string; reason?: undefined } | { path?: undefined; reason: string } {
  let binary: unknown;
  try {
    binary = createRequire(import.meta.url)('electron');
  } catch {
    return { reason: 'the Electron binary is not installed (node_modules/electron has no dist/)' };
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return { reason: 'the Electron binary is not installed' };
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) return { reason: 'no display (run under xvfb-run)' };
  return { path: binary };
}

const electron = electronBinary();
const title = electron.path
  ? 'starts the app: one window on app://bridge, the dashboard loads, IPC answers, Node stays out of the page'
  : `starts the app with Playwright's Electron support — skipped: ${electron.reason}`;

describe('desktop app (Electron)', () => {
  it.skipIf(!electron.path)(title, { timeout: 120_000 }, async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-main.mjs')], { cwd: ROOT, stdio: 'pipe' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-e2e-'));
    const config = path.join(dir, 'config.yaml');
    writeFileSync(config, 'executor:\n  mode: "external"\n');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
    Object.assign(env, { XDG_CONFIG_HOME: path.join(dir, 'c'), XDG_STATE_HOME: path.join(dir, 's'), XDG_DATA_HOME: path.join(dir, 'd'), HOME: dir });
    const app = await _electron.launch({ executablePath: electron.path, args: [ROOT, '--config', config, '--port', '0'], cwd: ROOT, env, timeout: 60_000 });
    try {
      const page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
      expect(page.url()).toMatch(/^app:\/\/bridge\//);
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);

      const health = await page.evaluate(() => (globalThis as unknown as { webhookBridge?: BridgeApi }).webhookBridge?.invoke('op:health', {}));
      expect(health).toMatchObject({ ok: true, value: { config_valid: true } });
      const refused = await page.evaluate(() => (globalThis as unknown as { webhookBridge?: BridgeApi }).webhookBridge?.invoke('electron-store-get-data', {}));
      expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await page.evaluate(() => ['require', 'process', 'module', 'Buffer'].filter((k) => k in globalThis))).toEqual([]);

      if (existsSync(path.join(ROOT, 'dist-renderer', 'index.html'))) {
        await page.waitForSelector('#root > *', { timeout: 30_000 });
        expect(await page.title()).toBe('Webhook Bridge');
      }
    } finally {
      await app.close();
    }
  });
});
