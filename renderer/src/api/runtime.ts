import { createApi, type Api } from './client';
import { createHttpTransport } from './http-transport';
import { createIpcTransport } from './ipc-transport';

let current: Api | null = null;

export interface RuntimeHooks {
  getToken(): string | null;
  onUnauthorized(): void;
}

/** IPC when the Electron preload exposed `window.webhookBridge`, else HTTP to the serving origin. */
export function createDefaultApi(hooks: RuntimeHooks): Api {
  const bridge = typeof window !== 'undefined' ? window.webhookBridge : undefined;
  if (bridge) return createApi(createIpcTransport(bridge));
  return createApi(createHttpTransport({ getToken: hooks.getToken, onUnauthorized: hooks.onUnauthorized }));
}

export function setApi(api: Api | null): void {
  current = api;
}

export function getApi(): Api {
  if (!current) throw new Error('the API client is not set up yet');
  return current;
}
