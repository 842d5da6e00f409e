import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { createBridgeApi, type IpcRendererLike } from '../../electron/main/preload-api.js';
import type { BridgeApi } from '../../shared/ipc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type RendererListener = (event: unknown, ...args: unknown[]) => void;

function fakeIpcRenderer(answer: (channel: string, input: unknown) => Promise<unknown>) {
  const listeners = new Map<string, Set<RendererListener>>();
  const ipc: IpcRendererLike & { emit(channel: string, payload: unknown): void; count(channel: string): number } = {
    invoke: vi.fn((channel: string, input: unknown) => answer(channel, input)),
    on(channel, listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      return ipc;
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
      return ipc;
    },
    emit(channel, payload) {
      // Electron passes an IpcRendererEvent whose `sender` is ipcRenderer itself.
      for (const l of listeners.get(channel) ?? []) l({ sender: ipc, ports: [] }, payload);
    },
    count: (channel) => listeners.get(channel)?.size ?? 0,
  };
  return ipc;
}

describe('preload API (window.webhookBridge)', () => {
  it('invokes contract operations and passes the envelope through', async () => {
    const ipc = fakeIpcRenderer(async () => ({ ok: true, value: { revision: 1 } }));
    const api = createBridgeApi(ipc);
    await expect(api.invoke('op:interpreters.list', {})).resolves.toEqual({ ok: true, value: { revision: 1 } });
    expect(ipc.invoke).toHaveBeenCalledWith('op:interpreters.list', {});
    const failure = { ok: false, error: { code: 'NOT_FOUND', message: 'no such interpreter' } };
    const ipc2 = fakeIpcRenderer(async () => failure);
    await expect(createBridgeApi(ipc2).invoke('op:interpreters.activate', { name: 'x' })).resolves.toEqual(failure);
  });

  it('refuses channels outside the contract without touching IPC', async () => {
    const ipc = fakeIpcRenderer(async () => ({ ok: true, value: 1 }));
    const api = createBridgeApi(ipc);
    for (const channel of ['electron-store-get-data', '__ELECTRON_LOG__', 'event:log.appended', 'op:nope', '']) {
      await expect(api.invoke(channel, {})).resolves.toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    await expect(api.invoke(42 as unknown as string, {})).resolves.toMatchObject({ ok: false });
    expect(ipc.invoke).not.toHaveBeenCalled();
    expect(() => api.on('op:health', () => undefined)).toThrow(/unknown event channel/);
    expect(() => api.on('electron-store-get-data', () => undefined)).toThrow(/unknown event channel/);
    expect(() => api.on('event:log.appended', 'x' as unknown as () => void)).toThrow(/function/);
  });

  it('turns an IPC failure or a malformed answer into an envelope', async () => {
    const rejecting = createBridgeApi(fakeIpcRenderer(async () => Promise.reject(new Error("No handler registered for 'op:health'"))));
    await expect(rejecting.invoke('op:health', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNREACHABLE', message: expect.stringContaining('No handler') } });
    for (const junk of [undefined, null, 'x', { ok: 'yes' }, { ok: true }, { ok: false, error: 'x' }, { ok: false, error: { code: 1, message: 'm' } }]) {
      const api = createBridgeApi(fakeIpcRenderer(async () => junk));
      await expect(api.invoke('op:health', {})).resolves.toEqual({ ok: false, error: { code: 'INTERNAL', message: 'malformed IPC answer' } });
    }
  });

  it('gives listeners the payload only (never the IPC event or ipcRenderer) and unsubscribes', () => {
    const ipc = fakeIpcRenderer(async () => null);
    const api = createBridgeApi(ipc);
    const got: unknown[][] = [];
    const stop = api.on('event:log.appended', (...args: unknown[]) => void got.push(args));
    ipc.emit('event:log.appended', { seq: 1 });
    expect(got).toEqual([[{ seq: 1 }]]);
    expect(ipc.count('event:log.appended')).toBe(1);
    stop();
    stop(); // idempotent
    expect(ipc.count('event:log.appended')).toBe(0);
    ipc.emit('event:log.appended', { seq: 2 });
    expect(got).toHaveLength(1);
  });

  it('exposes exactly invoke and on, frozen', () => {
    const api: BridgeApi = createBridgeApi(fakeIpcRenderer(async () => null));
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on']);
    expect(Object.isFrozen(api)).toBe(true);
  });
});

describe('BridgeApi', () => {
  it('is declared once, in shared/ipc.ts, which imports nothing but the Result type', () => {
    const text = readFileSync(path.join(ROOT, 'shared/ipc.ts'), 'utf8');
    expect([...text.matchAll(/^import\b.*$/gm)].map((m) => m[0])).toEqual(["import type { Result } from './result.js';"]);
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : /\.tsx?$/.test(d.name) ? [path.join(dir, d.name)] : []));
    const declaring = ['electron', 'renderer/src', 'shared']
      .flatMap((d) => files(path.join(ROOT, d)))
      .filter((f) => /\b(interface|type)\s+BridgeApi\b/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f));
    expect(declaring).toEqual(['shared/ipc.ts']);
  });
});
