/**
 * Contract parity: every operation of shared/contract.ts has an IPC channel, a handler in
 * createHandlers, a registration in the IPC router and an entry in the preload (source and the
 * built CommonJS bundle); channels are unique.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { eventNames, events, operationNames, operations } from '../../shared/contract.js';
import type { Core } from '../../electron/core/create-core.js';
import { InputValidator } from '../../electron/core/input.js';
import { createHandlers } from '../../electron/core/operations.js';
import { registerOperations } from '../../electron/main/ipc-router.js';
import { EVENT_CHANNELS, OPERATION_CHANNELS, createBridgeApi, type IpcRendererLike } from '../../electron/main/preload-api.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const opChannels = operationNames.map((n) => operations[n].channel);
const evChannels = eventNames.map((n) => events[n].channel);

describe('contract parity', () => {
  it('gives every operation an op: channel and every event an event: channel, all unique', () => {
    for (const c of opChannels) expect(c).toMatch(/^op:[a-z]+(\.[a-z]+)*$/);
    for (const c of evChannels) expect(c).toMatch(/^event:[a-z]+(\.[a-z]+)*$/);
    const all = [...opChannels, ...evChannels];
    expect(new Set(all).size).toBe(all.length);
  });

  it('has a handler in createHandlers for every operation, and nothing else', () => {
    const handlers = createHandlers({} as unknown as Core);
    expect(Object.keys(handlers).sort()).toEqual([...operationNames].sort());
    for (const name of operationNames) expect(typeof handlers[name]).toBe('function');
  });

  it('registers every operation over IPC', () => {
    const registered: string[] = [];
    registerOperations(
      { handle: (channel) => void registered.push(channel), removeHandler: () => undefined },
      { handlers: createHandlers({} as unknown as Core), validator: new InputValidator(), trustedFrame: () => null, log: { info: vi.fn(), warn: vi.fn(), error: vi.fn() } },
    );
    expect(registered.sort()).toEqual([...opChannels].sort());
  });

  it('has a preload entry for every operation and event (walked from the contract)', async () => {
    expect([...OPERATION_CHANNELS].sort()).toEqual([...opChannels].sort());
    expect([...EVENT_CHANNELS].sort()).toEqual([...evChannels].sort());
    const invoked: string[] = [];
    const ipc: IpcRendererLike = {
      invoke: async (channel) => {
        invoked.push(channel);
        return { ok: true, value: null };
      },
      on: () => undefined,
      removeListener: () => undefined,
    };
    const api = createBridgeApi(ipc);
    for (const channel of opChannels) await expect(api.invoke(channel, {})).resolves.toEqual({ ok: true, value: null });
    expect(invoked).toEqual(opChannels);
    for (const channel of evChannels) expect(typeof api.on(channel, () => undefined)).toBe('function');
  });

  it('builds the preload as one CommonJS file that knows every channel and requires only electron', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'wb-build-'));
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-main.mjs'), '--outdir', out], { cwd: ROOT, stdio: 'pipe' });
    const preload = readFileSync(path.join(out, 'preload.cjs'), 'utf8');
    expect(preload).toMatch(/^"use strict";/);
    expect(preload).not.toMatch(/^\s*(import|export)\s/m);
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
    for (const channel of [...opChannels, ...evChannels]) expect(preload).toContain(`"${channel}"`);
    expect(preload).toContain('exposeInMainWorld("webhookBridge"');
    expect(preload).not.toMatch(/typebox|sendSync/);
    expect(preload.length).toBeLessThan(20_000);
    const main = readFileSync(path.join(out, 'index.js'), 'utf8');
    expect(main).toMatch(/from "electron"/);
    expect(main).not.toMatch(/sendSync/);
  });
});
