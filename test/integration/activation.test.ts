/**
 * The one activation use-case (electron/core/activation.ts), called from each way in, with a real
 * executor under Debian's python3 and a venv of it: REST, the IPC router, the tray's action, a hand
 * edit of `active_interpreter` in the file, and `reconnect({interpreter})`. Each switch must start
 * the new executor, cut over, persist, and announce exactly one `interpretersChanged` and one
 * connection change per step (switching → connected under the new interpreter).
 */
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import type { MenuItemConstructorOptions, NativeImage, Tray, Menu } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivateResult } from '../../shared/dto/interpreters.js';
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import { InputValidator } from '../../electron/core/input.js';
import { registerOperations, type FrameLike, type InvokeEventLike, type IpcMainLike } from '../../electron/main/ipc-router.js';
import { TrayController } from '../../electron/main/tray.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { configYaml, makeVenv, SYSTEM_PYTHON, tempDir } from '../helpers/executor.js';

type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;
const mainFrame: FrameLike = { url: 'app://bridge/#/interpreters', processId: 4, frameToken: 'tok-main', parent: null };

/** Electron's ipcMain cannot exist in Node: this stand-in keeps the handlers and plays a renderer call. */
class IpcMainStandIn implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h({ senderFrame: mainFrame }, ...args);
  }
}

/** Electron's Tray cannot exist in Node either: a stand-in that keeps the last menu. */
class TrayStandIn {
  menu: MenuItemConstructorOptions[] = [];
  on(): this {
    return this;
  }
  setToolTip(): void {}
  setImage(): void {}
  setContextMenu(m: { template: MenuItemConstructorOptions[] }): void {
    this.menu = m.template;
  }
  isDestroyed(): boolean {
    return false;
  }
  destroy(): void {}
}

/** What the connection shows, without the metrics (latency, request counts) that update on their own. */
const shape = (s: ConnectionStatus): string => JSON.stringify([s.state, s.interpreter, s.pid, s.switching_to, s.last_error]);

describe('one activation use-case, from every way in', () => {
  let b: TestBridge;
  let venvDir = '';

  beforeAll(async () => {
    venvDir = tempDir('wbx-act-');
    const venvPython = makeVenv(venvDir);
    b = await startTestBridge({ configText: configYaml({ interpreters: { system: { path: SYSTEM_PYTHON }, venv: { path: venvPython } }, active: 'system' }) });
    expect(b.bridge.core.executor.status()).toMatchObject({ state: 'connected', interpreter: 'system' });
    // facts (version, kind) learned once, so no later discovery changes the list during a test
    await b.bridge.handlers.discoverInterpreters({});
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(venvDir, { recursive: true, force: true });
  });

  const other = (): string => (b.bridge.core.registry.activeName() === 'system' ? 'venv' : 'system');

  /** Runs `entry`, recording the events it causes until the executor serves under `target`. */
  async function switchVia(target: string, entry: () => Promise<unknown>): Promise<{ lists: number; steps: string[]; result: unknown; pidBefore: number | null }> {
    const core = b.bridge.core;
    const pidBefore = core.executor.status().pid;
    let lists = 0;
    const steps: string[] = [];
    let last = shape(core.executor.status());
    const subs = [
      core.events.on('interpretersChanged', () => void lists++),
      core.events.on('connectionChanged', (s) => {
        const now = shape(s);
        if (now !== last) steps.push(s.switching_to ? `switching to ${s.switching_to}` : `${s.state} under ${s.interpreter ?? '-'}`);
        last = now;
      }),
    ];
    const persisted = new Promise<void>((resolve) => {
      const sub = core.events.on('interpretersChanged', (l) => {
        if (l.active === target) {
          sub.dispose();
          resolve();
        }
      });
    });
    const cutOver = new Promise<void>((resolve) => {
      const sub = core.events.on('connectionChanged', (s) => {
        if (s.state === 'connected' && s.interpreter === target && s.switching_to === null) {
          sub.dispose();
          resolve();
        }
      });
    });
    try {
      const result = await entry();
      // a hand edit returns before the switch (the file was its first step): wait for both ends
      await Promise.all([persisted, cutOver]);
      const status = core.executor.status();
      expect(status).toMatchObject({ state: 'connected', interpreter: target, switching_to: null });
      expect(status.pid).not.toBe(pidBefore);
      return { lists, steps, result, pidBefore };
    } finally {
      subs.forEach((s) => s.dispose());
    }
  }

  const expectOneStepEach = (r: { lists: number; steps: string[] }, target: string): void => {
    expect(r.lists).toBe(1);
    expect(r.steps).toEqual([`switching to ${target}`, `connected under ${target}`]);
    expect(readFileSync(b.configFile, 'utf8')).toMatch(new RegExp(`active_interpreter"?\\s*:\\s*"?${target}\\b`));
    expect(b.bridge.core.config.settings.python.active_interpreter).toBe(target);
  };

  it('REST: POST /interpreters/{name}/activate', async () => {
    const target = other();
    const r = await switchVia(target, async () => {
      const res = await b.request('POST', `/api/dashboard/interpreters/${target}/activate`);
      expect(res.status).toBe(200);
      return res.json;
    });
    expect(r.result).toMatchObject({ active: target, switched: true });
    expectOneStepEach(r, target);
  });

  it('IPC: the router on op:interpreters.activate', async () => {
    const ipc = new IpcMainStandIn();
    const registration = registerOperations(ipc, { handlers: b.bridge.handlers, validator: new InputValidator(), trustedFrame: () => mainFrame, log: { info() {}, warn() {}, error() {} } });
    const target = other();
    try {
      const r = await switchVia(target, () => ipc.invoke('op:interpreters.activate', { name: target }));
      expect(r.result).toMatchObject({ ok: true, value: { active: target, switched: true } });
      expectOneStepEach(r, target);
    } finally {
      registration.dispose();
    }
  });

  it("the tray: its interpreter item's action", async () => {
    let activation: Promise<ActivateResult> | undefined;
    const handlers = b.bridge.handlers;
    const tray = new TrayController({
      Tray: TrayStandIn as unknown as typeof Tray,
      Menu: { buildFromTemplate: (template: MenuItemConstructorOptions[]) => ({ template }) } as unknown as Pick<typeof Menu, 'buildFromTemplate'>,
      createImage: () => ({}) as NativeImage,
      handlers: { ...handlers, activateInterpreter: (input) => (activation = handlers.activateInterpreter(input)) },
      events: b.bridge.core.events,
      theme: 'system',
      onOpen() {},
      onQuit() {},
      onTheme() {},
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    tray.start();
    await tray.refresh();
    const target = other();
    try {
      const r = await switchVia(target, async () => {
        tray.run({ kind: 'activate', name: target });
        return activation;
      });
      expect(r.result).toMatchObject({ active: target, switched: true });
      expectOneStepEach(r, target);
    } finally {
      tray.dispose();
    }
  });

  it('a hand edit of active_interpreter in the file', async () => {
    const target = other();
    const text = readFileSync(b.configFile, 'utf8');
    const edited = text.replace(/("?active_interpreter"?\s*:\s*)"?\w+"?/, `$1"${target}"`);
    expect(edited).not.toBe(text);
    const r = await switchVia(target, async () => {
      await fs.writeFile(b.configFile, edited);
      await b.bridge.core.config.checkDisk();
    });
    expect(r.steps).toEqual([`switching to ${target}`, `connected under ${target}`]);
    expect(r.lists).toBe(1);
    expect(readFileSync(b.configFile, 'utf8')).toBe(edited); // nothing written back
  });

  it('reconnect({interpreter}) activates another interpreter the same way', async () => {
    const target = other();
    const r = await switchVia(target, async () => {
      const res = await b.request('POST', '/api/dashboard/connection/reconnect', { body: { interpreter: target } });
      expect(res.status).toBe(200);
      return res.json;
    });
    expect(r.result).toMatchObject({ state: 'connected', interpreter: target });
    expectOneStepEach(r, target);
  });
});
