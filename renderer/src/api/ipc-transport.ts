import { events, eventNames, operations, type OperationName } from '../../../shared/contract';
import type { BridgeApi } from '../../../shared/ipc';
import type { Result } from '../../../shared/result';
import { ApiError, errorFromBody } from './api-error';
import type { AppEvent, Subscription, Transport } from './transport';

/** What the Electron preload exposes (shared/ipc.ts); absent in a plain browser. */
declare global {
  interface Window {
    webhookBridge?: BridgeApi;
  }
}

export function createIpcTransport(bridge: BridgeApi): Transport {
  async function call(name: OperationName, input: unknown): Promise<unknown> {
    let result: Result<unknown>;
    try {
      result = await bridge.invoke(operations[name].channel, input);
    } catch (err) {
      throw new ApiError('UNREACHABLE', `IPC call ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (result.ok) return result.value;
    throw errorFromBody(result.error);
  }

  function subscribe(sub: Subscription): () => void {
    const stops = eventNames.map((name) =>
      bridge.on(events[name].channel, (payload) => sub.onEvent({ name, payload } as AppEvent)),
    );
    sub.onState('open');
    return () => {
      for (const stop of stops) stop();
    };
  }

  return { kind: 'ipc', call, subscribe };
}
