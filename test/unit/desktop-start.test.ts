/**
 * `npm start` where the desktop app cannot run: one line saying why, then headless mode; signals
 * reach the child and nothing is left listening.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function electronInstalled(): boolean {
  try {
    const p: unknown = createRequire(import.meta.url)('electron');
    return typeof p === 'string' && existsSync(p);
  } catch {
    return false;
  }
}

describe('npm start without a usable Electron binary', () => {
  it('explains in one line, runs headless mode, and stops it on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-start-'));
    const config = path.join(dir, 'config.yaml');
    writeFileSync(config, 'executor:\n  mode: "external"\n');
    // Where Electron is installed, force the fallback so the same path is exercised.
    const forced = electronInstalled();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDG_CONFIG_HOME: path.join(dir, 'c'),
      XDG_STATE_HOME: path.join(dir, 's'),
      XDG_DATA_HOME: path.join(dir, 'd'),
      ...(forced ? { WEBHOOK_BRIDGE_HEADLESS: '1' } : {}),
    };
    delete env['WEBHOOK_BRIDGE_API_TOKEN'];
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs'), '--config', config, '--port', '0', '--quiet'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // npm start builds the dashboard first when it is missing (a fresh clone): allow for a slow build
    const deadline = Date.now() + 170_000;
    while (!/REST API listening on (\S+)/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`headless mode did not start:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const lines = out.split('\n');
    const reason = forced ? 'WEBHOOK_BRIDGE_HEADLESS=1 is set' : 'Electron binary not installed here';
    expect(lines[0]).toBe(`webhook-bridge: ${reason}; starting headless mode (open the printed dashboard URL in a browser).`);
    expect(lines.slice(1).some((l) => l.startsWith('webhook-bridge:'))).toBe(false);
    const url = /REST API listening on (\S+)/.exec(out)?.[1] ?? '';
    expect((await fetch(`${url}/health`)).status).toBeLessThan(600);

    child.kill('SIGTERM');
    const code = await exited;
    expect([0, 143]).toContain(code); // 143: tsx reports the child ended by SIGTERM after its clean shutdown
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  }, 180_000);
});

describe('npm run serve', () => {
  it('is headless mode with no explanation line, and its dashboard URL serves the dashboard (built first when missing)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-serve-'));
    const config = path.join(dir, 'config.yaml');
    writeFileSync(config, 'executor:\n  mode: "external"\n');
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: path.join(dir, 'c'), XDG_STATE_HOME: path.join(dir, 's'), XDG_DATA_HOME: path.join(dir, 'd') };
    delete env['WEBHOOK_BRIDGE_API_TOKEN'];
    const child = spawn('npm', ['run', '--silent', 'serve', '--', '--config', config, '--port', '0', '--quiet'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      while (!/^Dashboard: (\S+)$/m.test(out)) {
        if (child.exitCode !== null) throw new Error(`npm run serve exited:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).not.toMatch(/^webhook-bridge:/m);
      const dashboard = /^Dashboard: (\S+)$/m.exec(out)?.[1] ?? '';
      const page = await fetch(dashboard.split('#')[0] as string);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toMatch(/<!doctype html>/i);
      expect(html).not.toContain('not built');
    } finally {
      process.kill(-(child.pid as number), 'SIGTERM');
      await exited;
    }
  }, 180_000);
});
