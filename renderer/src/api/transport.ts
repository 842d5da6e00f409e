import type { EventName, EventPayload, OperationName } from '../../../shared/contract';

/** One pushed event with its typed payload. */
export type AppEvent = { [K in EventName]: { name: K; payload: EventPayload<K> } }[EventName];

/** State of the pushed-event feed: `open` means events flow; `unauthorized` stops retrying. */
export type StreamState = 'connecting' | 'open' | 'offline' | 'unauthorized';

export interface Subscription {
  onEvent(event: AppEvent): void;
  onState(state: StreamState): void;
}

/** How calls and events travel: HTTP + server-sent events in a browser, IPC in the desktop window. */
export interface Transport {
  readonly kind: 'http' | 'ipc';
  /** Calls one contract operation; resolves with its output or rejects with an ApiError. */
  call(name: OperationName, input: unknown): Promise<unknown>;
  /** Starts receiving events; returns the function that stops. */
  subscribe(sub: Subscription): () => void;
}
