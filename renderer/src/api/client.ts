import { operationNames, type OperationInput, type OperationName, type OperationOutput } from '../../../shared/contract';
import type { Subscription, Transport } from './transport';

/** The typed client: one method per contract operation, derived from the contract's table. */
export type Client = { [K in OperationName]: (input: OperationInput<K>) => Promise<OperationOutput<K>> };

export interface Api {
  readonly client: Client;
  readonly transport: Transport;
  subscribe(sub: Subscription): () => void;
}

export function createClient(transport: Transport): Client {
  const methods: Partial<Record<OperationName, (input: unknown) => Promise<unknown>>> = {};
  for (const name of operationNames) methods[name] = (input: unknown) => transport.call(name, input ?? {});
  return methods as unknown as Client;
}

export function createApi(transport: Transport): Api {
  return { client: createClient(transport), transport, subscribe: (sub) => transport.subscribe(sub) };
}
