/**
 * The composition root (electron/main/index.ts) run in Node against a fake `electron` module:
 * the real core, REST server, IPC router, window controller and tray, wired as in the app.
 * This stands in for launching Electron where its binary cannot be installed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { operationNames, operations } from '../../shared/contract.js';
import { InputValidator } from '../../electron/core/input.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/security.js';
import type { FakeElectron, FakeFrame } from './desktop-fake-electron.js';

vi.mock('electron', async () => (await import('./desktop-fake-electron.js')).createFakeElectron());
vi.mock('electron-store', () => ({
  default: class {
    private readonly map = new Map<string, unknown>();
    get(key: string): unknown {
      return this.map.get(key);
    }
    set(key: string, value: unknown): void {
      this.map.set(key, value);
    }
  },
}));

const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-shell-'));
const configFile = path.join(dir, 'config.yaml');
// External executor without an address: no Python is spawned; the executor reports itself not connected.
writeFileSync(configFile, 'python:\n  interpreter: "auto"\nexecutor:\n  mode: "external"\nserver:\n  host: "127.0.0.1"\n  port: 0\n');

async function waitFor<T>(what: string, get: () => T | undefined | null | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Envelope = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

describe('desktop composition root (fake Electron)', () => {
  let electron: FakeElectron;
  const invoke = async (channel: string, frame: FakeFrame | null, input?: unknown): Promise<Envelope> => {
    const h = electron.__fake.invokeHandlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return (await h({ senderFrame: frame }, input)) as Envelope;
  };

  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('boots, serves, answers IPC, and stops everything on quit', async () => {
    vi.stubEnv('WEBHOOK_BRIDGE_CONFIG', configFile);
    vi.stubEnv('XDG_CONFIG_HOME', path.join(dir, 'xdg-config'));
    vi.stubEnv('XDG_STATE_HOME', path.join(dir, 'xdg-state'));
    vi.stubEnv('XDG_DATA_HOME', path.join(dir, 'xdg-data'));
    vi.stubEnv('WEBHOOK_BRIDGE_API_TOKEN', '');
    // Every check of an operation input, with the validator instance it ran on (`this`).
    const checks = vi.spyOn(InputValidator.prototype, 'check');
    electron = (await import('electron')) as unknown as FakeElectron;
    const fake = electron.__fake;
    await import('../../electron/main/index.js');

    // Before `ready`: Chromium's folder, single-instance lock, privileged scheme, log folder — all synchronous at import.
    expect(fake.calls).toEqual([
      `setPath userData ${path.join(dir, 'xdg-data', 'webhook-bridge', 'desktop')} ready=false`,
      'requestSingleInstanceLock ready=false',
      'registerSchemesAsPrivileged ready=false',
      `setAppLogsPath ${path.join(dir, 'xdg-state', 'webhook-bridge', 'logs')}`,
    ]);
    fake.fireReady();

    const win = await waitFor('the window', () => fake.windows[0]);
    expect(win.options['webPreferences']).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(win.webContents.url).toBe('app://bridge/');
    await waitFor('the window to show', () => win.visible);
    expect(win.webContents.openHandler).toBeDefined(); // hardened through web-contents-created

    // IPC: every operation registered; electron-store's sync listener closed.
    expect([...fake.invokeHandlers.keys()].sort()).toEqual(operationNames.map((n) => operations[n].channel).sort());
    expect(fake.onListeners.size).toBe(0);
    const frame = win.webContents.mainFrame;
    const health = await invoke('op:health', frame, {});
    expect(health).toMatchObject({ ok: true, value: { version: expect.any(String), config_valid: true } });
    const foreign: FakeFrame = { url: 'https://evil.example/', processId: 99, frameToken: 'x', parent: null };
    expect(await invoke('op:interpreters.list', foreign, {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await invoke('op:interpreters.activate', frame, { name: '../x' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });

    // The same core serves REST: find its URL in the logs (read over IPC, as the Logs page does).
    const logs = await invoke('op:logs.get', frame, {});
    if (!logs.ok) throw new Error('logs failed');
    const entries = (logs.value as { entries: Array<{ source: string; message: string }> }).entries;
    const url = entries.map((e) => /REST API listening on (\S+)/.exec(e.message)?.[1]).find(Boolean);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(entries.some((e) => e.source === 'shell' && e.message.startsWith('desktop shell up'))).toBe(true);
    const ipcChecks = checks.mock.contexts.length;
    expect(ipcChecks).toBeGreaterThan(0);
    const rest = await fetch(`${url}/health`);
    expect([200, 503]).toContain(rest.status);
    const badRest = await fetch(`${url}/api/dashboard/interpreters/${encodeURIComponent('../x')}/activate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${readFileSync(path.join(dir, 'api-token'), 'utf8').trim()}` },
    });
    expect(badRest.status).toBe(400);

    // REST and IPC validate with one InputValidator (one set of compiled schemas): IPC checks come
    // without options, REST's GETs with `convert`; every check ran on the same instance.
    expect(checks.mock.calls.slice(0, ipcChecks).every(([, , opts]) => opts === undefined)).toBe(true);
    expect(checks.mock.calls.slice(ipcChecks).some(([name, , opts]) => name === 'health' && opts?.convert === true)).toBe(true);
    expect(checks.mock.calls.slice(ipcChecks).some(([name]) => name === 'activateInterpreter')).toBe(true);
    expect(new Set(checks.mock.contexts).size).toBe(1);
    expect(checks.mock.contexts[0]).toBeInstanceOf(InputValidator);

    // The dashboard protocol answers the window's URL with the CSP (index.html, or "not built").
    const handler = fake.protocolHandlers.get('app');
    const page = await handler?.(new Request(win.webContents.url));
    expect([200, 404]).toContain(page?.status);
    expect(page?.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);

    // Tray: the state line and the actions; an action's log line reaches the window as an event.
    const tray = await waitFor('the tray menu', () => (fake.trays[0]?.menu.length ? fake.trays[0] : undefined));
    expect(tray.menu[0]?.label).toMatch(/^Executor: /);
    expect(tray.menu.map((i) => i.label)).toEqual(expect.arrayContaining(['Open dashboard', 'Reconnect', 'Test connection', 'Quit']));
    tray.menu.find((i) => i.label === 'Test connection')?.click?.();
    await waitFor('a pushed log event', () => win.webContents.sent.some(([channel]) => channel === 'event:log.appended'));

    // External links go to the browser only when allowed.
    expect(win.webContents.openHandler?.({ url: 'https://github.com/' })).toEqual({ action: 'deny' });
    expect(win.webContents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    await waitFor('the external link', () => fake.opened.length > 0);
    expect(fake.opened).toEqual(['https://github.com/']);

    // Quit: before-quit is held until the bridge stopped, then the quit completes.
    tray.menu.find((i) => i.label === 'Quit')?.click?.();
    await waitFor('the quit to complete', () => fake.quitCompleted);
    expect(fake.calls.filter((c) => c === 'app.quit').length).toBe(2);
    expect(tray.destroyed).toBe(true);
    expect(fake.invokeHandlers.size).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    expect(fake.exitCode).toBeNull();
    expect(fake.errorBoxes).toEqual([]);

    // One log folder: core, executor and shell lines in main.log (what the Logs page also got).
    const mainLog = readFileSync(path.join(dir, 'xdg-state', 'webhook-bridge', 'logs', 'main.log'), 'utf8');
    expect(mainLog).toMatch(/\[shell\] desktop shell up/);
    expect(mainLog).toMatch(/\[executor[^\]]*\]/);
    expect(mainLog).toMatch(/\[shell\] quitting: stopping the bridge/);
  });
});
