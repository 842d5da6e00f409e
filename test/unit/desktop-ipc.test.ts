import { describe, expect, it, vi } from 'vitest';
import { events, operationNames, operations } from '../../shared/contract.js';
import { AppError } from '../../electron/core/app-error.js';
import { EventBus } from '../../electron/core/events.js';
import { InputValidator } from '../../electron/core/input.js';
import type { Handlers } from '../../electron/core/operations.js';
import {
  closeForeignChannels,
  forwardEvents,
  isTrustedSender,
  registerOperations,
  type FrameLike,
  type InvokeEventLike,
  type IpcMainLike,
  type RouterDeps,
} from '../../electron/main/ipc-router.js';
import type { InterpreterList } from '../../shared/dto/interpreters.js';

type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

/** Stands in for Electron's ipcMain: remembers handlers; `invoke` plays a renderer call. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, frame: FrameLike | null, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    return h({ senderFrame: frame }, ...args);
  }
}

const mainFrame: FrameLike = { url: 'app://bridge/#/interpreters', processId: 4, frameToken: 'tok-main', parent: null };
const LIST: InterpreterList = { revision: 1, active: null, pinned_by: null, active_error: null, interpreters: [] };

function setup(overrides: Partial<Handlers> = {}) {
  const ipc = new FakeIpcMain();
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const handlers = {
    listInterpreters: vi.fn(async () => LIST),
    activateInterpreter: vi.fn(async ({ name }: { name: string }) => ({ active: name, previous: null, switched: true, message: `now ${name}` })),
    ...overrides,
  } as unknown as Handlers;
  let window: FrameLike | null = mainFrame;
  const deps: RouterDeps = { handlers, validator: new InputValidator(), trustedFrame: () => window, log };
  const registration = registerOperations(ipc, deps);
  return { ipc, log, handlers, registration, closeWindow: () => void (window = null) };
}

describe('IPC registration', () => {
  it('registers every contract operation on its channel, once', () => {
    const { ipc, registration } = setup();
    expect([...ipc.handlers.keys()].sort()).toEqual(operationNames.map((n) => operations[n].channel).sort());
    registration.dispose();
    expect(ipc.handlers.size).toBe(0);
  });

  it('answers a success with { ok: true, value }', async () => {
    const { ipc, handlers } = setup();
    await expect(ipc.invoke('op:interpreters.list', mainFrame, {})).resolves.toEqual({ ok: true, value: LIST });
    await expect(ipc.invoke('op:interpreters.activate', mainFrame, { name: 'py311' })).resolves.toMatchObject({ ok: true, value: { active: 'py311' } });
    expect(handlers.activateInterpreter).toHaveBeenCalledWith({ name: 'py311' });
  });

  it('treats a missing input as the empty object', async () => {
    const { ipc } = setup();
    await expect(ipc.invoke('op:interpreters.list', mainFrame)).resolves.toEqual({ ok: true, value: LIST });
  });

  it('answers bad input with INVALID_INPUT naming the field, without calling the handler', async () => {
    const { ipc, handlers } = setup();
    const r = (await ipc.invoke('op:interpreters.activate', mainFrame, { name: '../etc' })) as { ok: boolean; error: { code: string; message: string } };
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('INVALID_INPUT');
    expect(r.error.message).toMatch(/name/);
    expect(handlers.activateInterpreter).not.toHaveBeenCalled();
    await expect(ipc.invoke('op:interpreters.list', mainFrame, { extra: 1 })).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    await expect(ipc.invoke('op:interpreters.list', mainFrame, 'text')).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('turns an AppError into its code and message', async () => {
    const { ipc } = setup({ activateInterpreter: vi.fn(async () => Promise.reject(new AppError('NOT_FOUND', "interpreter 'x' is not configured"))) });
    await expect(ipc.invoke('op:interpreters.activate', mainFrame, { name: 'x' })).resolves.toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: "interpreter 'x' is not configured" },
    });
  });

  it('turns any other thrown error into INTERNAL without the stack, logging the stack instead', async () => {
    const boom = new Error('secret path /home/me/.token at line 3');
    const { ipc, log } = setup({ listInterpreters: vi.fn(async () => Promise.reject(boom)) });
    const r = await ipc.invoke('op:interpreters.list', mainFrame, {});
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Internal error' } });
    expect(JSON.stringify(r)).not.toMatch(/secret|at line|\.ts/);
    expect(log.error).toHaveBeenCalledWith(expect.stringContaining('secret path'));
  });

  it('turns a thrown non-Error (and a synchronous throw) into an envelope too', async () => {
    const { ipc } = setup({
      listInterpreters: (() => {
        throw 'plain string';
      }) as unknown as Handlers['listInterpreters'],
    });
    await expect(ipc.invoke('op:interpreters.list', mainFrame, {})).resolves.toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Internal error' } });
  });

  it('answers an operation whose service is missing with UNAVAILABLE (the handler says so)', async () => {
    const { ipc } = setup({ getConnection: vi.fn(async () => Promise.reject(new AppError('UNAVAILABLE', 'the executor is not available'))) });
    await expect(ipc.invoke('op:connection.get', mainFrame, {})).resolves.toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
  });
});

describe('IPC sender check', () => {
  const cases: Array<[string, FrameLike | null]> = [
    ['no frame (navigated away or destroyed)', null],
    ['another frame of another process', { url: 'app://bridge/', processId: 9, frameToken: 'tok-other', parent: null }],
    ['a different frame in the same process', { url: 'app://bridge/', processId: 4, frameToken: 'tok-iframe', parent: null }],
    ['our frame showing a foreign page', { ...mainFrame, url: 'https://evil.example/' }],
    ['our frame showing a file', { ...mainFrame, url: 'file:///tmp/x.html' }],
    ['a subframe', { ...mainFrame, parent: mainFrame }],
  ];

  it.each(cases)('refuses %s with FORBIDDEN and never calls the handler', async (_name, frame) => {
    const { ipc, handlers, log } = setup();
    await expect(ipc.invoke('op:interpreters.activate', frame, { name: 'py311' })).resolves.toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: "IPC caller is not the app's window" },
    });
    expect(handlers.activateInterpreter).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalled();
  });

  it('accepts a distinct object for the same frame (same process and frame token)', async () => {
    const { ipc } = setup();
    await expect(ipc.invoke('op:interpreters.list', { ...mainFrame }, {})).resolves.toMatchObject({ ok: true });
  });

  it('refuses everything while there is no window', async () => {
    const { ipc, closeWindow } = setup();
    closeWindow();
    await expect(ipc.invoke('op:interpreters.list', mainFrame, {})).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('refuses a frame whose properties throw (destroyed)', async () => {
    const { ipc } = setup();
    const destroyed = {
      get url(): string {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
      processId: 4,
      frameToken: 'tok-main',
    };
    await expect(ipc.invoke('op:interpreters.list', destroyed, {})).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('isTrustedSender is the pure rule', () => {
    expect(isTrustedSender(mainFrame, mainFrame)).toBe(true);
    expect(isTrustedSender(mainFrame, null)).toBe(false);
    expect(isTrustedSender({ ...mainFrame, url: 'app://evil/' }, mainFrame)).toBe(false);
  });
});

describe('event forwarding', () => {
  it('forwards every contract event to its channel until disposed', () => {
    const bus = new EventBus();
    const sent: Array<[string, unknown]> = [];
    const fwd = forwardEvents(bus, (channel, payload) => sent.push([channel, payload]));
    bus.emit('interpretersChanged', LIST);
    bus.emit('logAppended', { instance: 'run-1', seq: 1, time: 't', level: 'info', source: 'core', message: 'm' });
    expect(sent).toEqual([
      [events.interpretersChanged.channel, LIST],
      [events.logAppended.channel, { instance: 'run-1', seq: 1, time: 't', level: 'info', source: 'core', message: 'm' }],
    ]);
    fwd.dispose();
    bus.emit('interpretersChanged', LIST);
    expect(sent).toHaveLength(2);
  });

  it('subscribes to every event of the contract', () => {
    const bus = new EventBus();
    const on = vi.spyOn(bus, 'on');
    forwardEvents(bus, () => undefined);
    expect(on.mock.calls.map((c) => c[0]).sort()).toEqual(Object.keys(events).sort());
  });
});

describe('foreign ipcMain listeners', () => {
  it('are removed so the contract channels are the only way in', () => {
    const names: Array<string | symbol> = ['electron-store-get-data', Symbol('internal')];
    const removed: string[] = [];
    const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const closed = closeForeignChannels({ eventNames: () => names, removeAllListeners: (n) => void removed.push(n) }, log);
    expect(closed).toEqual(['electron-store-get-data']);
    expect(removed).toEqual(['electron-store-get-data']);
    expect(log.info).toHaveBeenCalledWith(expect.stringContaining('electron-store-get-data'));
    expect(closeForeignChannels({ eventNames: () => [], removeAllListeners: () => undefined }, log)).toEqual([]);
  });
});
