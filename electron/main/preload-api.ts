/**
 * The API the preload exposes as `window.webhookBridge`, built by walking the contract: only the
 * contract's operation channels can be invoked and only its event channels listened to. The
 * renderer never sees `ipcRenderer` or an IPC event (whose `sender` is `ipcRenderer`): listeners
 * get the payload alone. Pure (the preload passes the real `ipcRenderer`), so tests run in Node.
 * Its shape, `BridgeApi`, is shared with the renderer (shared/ipc.ts).
 */
import { events, operations } from '../../shared/contract.js';
import type { ErrorBody } from '../../shared/errors.js';
import type { BridgeApi } from '../../shared/ipc.js';
import type { Result } from '../../shared/result.js';

/** The slice of Electron's `ipcRenderer` used (the real one satisfies it). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export const OPERATION_CHANNELS: ReadonlySet<string> = new Set(Object.values(operations).map((op) => op.channel));
export const EVENT_CHANNELS: ReadonlySet<string> = new Set(Object.values(events).map((ev) => ev.channel));

function failure(code: ErrorBody['code'], message: string): Result<unknown> {
  return { ok: false, error: { code, message } };
}

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false;
  const v = value as { ok: unknown; value?: unknown; error?: unknown };
  if (v.ok === true) return 'value' in v;
  if (v.ok !== false || typeof v.error !== 'object' || v.error === null) return false;
  const e = v.error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string';
}

export function createBridgeApi(ipc: IpcRendererLike): BridgeApi {
  return Object.freeze({
    async invoke(channel: string, input: unknown): Promise<Result<unknown>> {
      if (typeof channel !== 'string' || !OPERATION_CHANNELS.has(channel)) {
        return failure('NOT_FOUND', `unknown operation channel '${String(channel)}'`);
      }
      try {
        const answer = await ipc.invoke(channel, input);
        return isResult(answer) ? answer : failure('INTERNAL', 'malformed IPC answer');
      } catch (err) {
        return failure('UNREACHABLE', `IPC call failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    on(channel: string, listener: (payload: unknown) => void): () => void {
      if (typeof channel !== 'string' || !EVENT_CHANNELS.has(channel)) throw new TypeError(`unknown event channel '${String(channel)}'`);
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      const wrapped = (_event: unknown, payload: unknown): void => listener(payload);
      ipc.on(channel, wrapped);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        ipc.removeListener(channel, wrapped);
      };
    },
  });
}
