/**
 * The bridge between the dashboard and the desktop shell: what the preload
 * (electron/main/preload-api.ts) exposes as `window.webhookBridge` through contextBridge, and what
 * the renderer's IPC transport (renderer/src/api/ipc-transport.ts) calls. Types only, importing
 * nothing but the Result envelope, so both sides (and the sandboxed preload bundle) can use it.
 */
import type { Result } from './result.js';

export interface BridgeApi {
  /** Sends an operation's input on its contract channel (`op:…`); answers with the Result envelope. */
  invoke(channel: string, input: unknown): Promise<Result<unknown>>;
  /** Listens to an event channel (`event:…`) with the payload alone; returns the function that stops. */
  on(channel: string, listener: (payload: unknown) => void): () => void;
}
