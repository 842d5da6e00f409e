import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogBuffer, Logger } from '../../electron/core/logging/logger.js';
import { ShellLog, createShellLog } from '../../electron/main/logging.js';
import { resolveShellPaths, shellArgs } from '../../electron/main/paths.js';
import { Preferences, fitBounds, sanitizeBounds, sanitizeTheme, type KeyValueStore } from '../../electron/main/preferences.js';
import { withTimeout } from '../../electron/main/timeout.js';

class MapStore implements KeyValueStore {
  readonly map = new Map<string, unknown>();
  get(key: string): unknown {
    return this.map.get(key);
  }
  set(key: string, value: unknown): void {
    this.map.set(key, value);
  }
}

describe('preferences', () => {
  it('round-trips window bounds, last page and theme', () => {
    const store = new MapStore();
    const prefs = new Preferences(store);
    expect(prefs.values()).toEqual({ windowBounds: null, maximized: false, lastPage: null, theme: 'system' });
    prefs.saveWindow({ x: 10, y: 20, width: 1000, height: 700 }, true);
    prefs.saveLastPage('/#/logs');
    prefs.saveTheme('dark');
    expect(prefs.values()).toEqual({ windowBounds: { x: 10, y: 20, width: 1000, height: 700 }, maximized: true, lastPage: '/#/logs', theme: 'dark' });
  });

  it('ignores corrupt or hostile stored values', () => {
    const store = new MapStore();
    store.set('windowBounds', { x: 'a', y: 0, width: 10, height: 10 });
    store.set('lastPage', '//evil.example/x');
    store.set('theme', 'neon');
    store.set('maximized', 'yes');
    expect(new Preferences(store).values()).toEqual({ windowBounds: null, maximized: false, lastPage: null, theme: 'system' });
    expect(sanitizeBounds({ x: 0, y: 0, width: 100, height: 100 })).toBeNull(); // too small to use
    expect(sanitizeBounds({ x: 1e9, y: 0, width: 800, height: 600 })).toBeNull();
    expect(sanitizeTheme('light')).toBe('light');
    expect(sanitizeTheme(undefined)).toBe('system');
    const prefs = new Preferences(store);
    prefs.saveLastPage('javascript:alert(1)');
    expect(store.get('lastPage')).toBe('//evil.example/x'); // unchanged: not written
  });

  it('keeps a window only where a display shows its title bar', () => {
    const screen = [{ x: 0, y: 0, width: 1920, height: 1040 }];
    expect(fitBounds({ x: 100, y: 100, width: 1200, height: 800 }, screen)).toEqual({ x: 100, y: 100, width: 1200, height: 800 });
    expect(fitBounds({ x: 3000, y: 100, width: 1200, height: 800 }, screen)).toBeNull(); // monitor unplugged
    expect(fitBounds({ x: 100, y: -500, width: 1200, height: 800 }, screen)).toBeNull();
    expect(fitBounds({ x: 0, y: 0, width: 4000, height: 3000 }, screen)).toEqual({ x: 0, y: 0, width: 1920, height: 1040 });
    expect(fitBounds({ x: 2000, y: 50, width: 800, height: 600 }, [...screen, { x: 1920, y: 0, width: 1280, height: 1024 }])).toEqual({ x: 2000, y: 50, width: 800, height: 600 });
    expect(fitBounds(null, screen)).toBeNull();
  });
});

describe('shell paths', () => {
  it('finds resources beside the repository in development', () => {
    expect(resolveShellPaths({ isPackaged: false, appPath: '/repo', resourcesPath: '/ignored', mainDir: '/repo/dist/electron/main' })).toEqual({
      resourcesDir: path.join('/repo', 'resources'),
      protoDir: path.join('/repo', 'proto'),
      rendererDir: path.join('/repo', 'dist-renderer'),
      preload: path.join('/repo/dist/electron/main', 'preload.cjs'),
    });
  });

  it('finds extra resources under process.resourcesPath when packaged', () => {
    const res = '/opt/Webhook Bridge/resources';
    expect(resolveShellPaths({ isPackaged: true, appPath: `${res}/app.asar`, resourcesPath: res, mainDir: `${res}/app.asar/dist/electron/main` })).toEqual({
      resourcesDir: path.join(res, 'resources'),
      protoDir: path.join(res, 'proto'),
      rendererDir: path.join(`${res}/app.asar`, 'dist-renderer'),
      preload: path.join(`${res}/app.asar/dist/electron/main`, 'preload.cjs'),
    });
  });

  it('reads --config/--host/--port and ignores Chromium switches', () => {
    expect(shellArgs(['.', '--no-sandbox', '--config', '/tmp/c.yaml', '--port=0', '--host=127.0.0.1', '--inspect=9229'])).toEqual({ config: '/tmp/c.yaml', port: 0, host: '127.0.0.1' });
    expect(shellArgs(['--port', '99999', '--config='])).toEqual({});
    expect(shellArgs([])).toEqual({});
  });
});

describe('shell log', () => {
  it('writes shell.log until attached, then goes through the core logger (Logs page)', () => {
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'wb-log-'));
    const log = createShellLog({ logDir, console: false });
    log.info('before the core');
    const buffer = new LogBuffer(10);
    const core = Logger.create({ level: 'debug', sinks: [buffer] });
    log.attach(core);
    expect(log.attached).toBe(true);
    log.warn('through the core');
    expect(buffer.read().entries).toEqual([expect.objectContaining({ level: 'warn', source: 'shell', message: 'through the core' })]);
    log.detach();
    log.error('after the core');
    const text = readFileSync(path.join(logDir, 'shell.log'), 'utf8');
    expect(text).toMatch(/info \[shell\] before the core/);
    expect(text).toMatch(/error \[shell\] after the core/);
    expect(text).not.toMatch(/through the core/);
  });

  it('routes by level', () => {
    const lines: string[] = [];
    const log = new ShellLog((level, message) => void lines.push(`${level}:${message}`));
    log.debug('a');
    log.info('b');
    log.warn('c');
    log.error('d');
    expect(lines).toEqual(['debug:a', 'info:b', 'warn:c', 'error:d']);
  });
});

describe('withTimeout', () => {
  it('passes results through and gives up after the limit', async () => {
    await expect(withTimeout(Promise.resolve(1), 50, 'x')).resolves.toBe(1);
    await expect(withTimeout(new Promise(() => undefined), 20, 'stopping')).rejects.toThrow(/stopping: still not done/);
  });
});
