// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { EVENTS_PATH, eventNames, events, operationNames, operations } from '../../shared/contract';
import type { BridgeApi } from '../../shared/ipc';
import { createApi, createClient } from '../../renderer/src/api/client';
import { ApiError, errorFromBody, fieldErrors } from '../../renderer/src/api/api-error';
import { buildRequest, createHttpTransport } from '../../renderer/src/api/http-transport';
import { createIpcTransport } from '../../renderer/src/api/ipc-transport';
import type { AppEvent, Transport } from '../../renderer/src/api/transport';

const TOKEN = 't0ken-abcdefghijklmnopqrstuvwxyz012345';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('typed client', () => {
  it('has one method per contract operation, each calling the transport with its name', async () => {
    const call = vi.fn(async () => ({ ok: true }));
    const transport: Transport = { kind: 'http', call, subscribe: () => () => undefined };
    const client = createClient(transport);
    expect(Object.keys(client).sort()).toEqual([...operationNames].sort());
    await client.validateInterpreter({ name: 'py' });
    await client.getConfig({});
    expect(call).toHaveBeenNthCalledWith(1, 'validateInterpreter', { name: 'py' });
    expect(call).toHaveBeenNthCalledWith(2, 'getConfig', {});
  });
});

describe('HTTP requests', () => {
  it('fills {param} segments (encoded) and sends the rest as a JSON body', () => {
    const { url, init } = buildRequest('testPlugin', { name: 'my-hook', method: 'POST', body: { a: 1 }, query: 'x=1' }, '', TOKEN);
    expect(url).toBe('/api/dashboard/plugins/my-hook/test');
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({ method: 'POST', body: { a: 1 }, query: 'x=1' });
    expect(init.headers['Content-Type']).toBe('application/json');
    expect(init.headers['Authorization']).toBe(`Bearer ${TOKEN}`);
  });

  it('encodes path values and leaves no param in the body', () => {
    const { url, init } = buildRequest('activateInterpreter', { name: 'a b/c' }, 'http://127.0.0.1:9', TOKEN);
    expect(url).toBe('http://127.0.0.1:9/api/dashboard/interpreters/a%20b%2Fc/activate');
    expect(init.body).toBeUndefined();
    expect(init.headers['Content-Type']).toBeUndefined();
  });

  it('puts GET inputs in the query string and skips undefined', () => {
    expect(buildRequest('getLogs', { since: 10, limit: 50 }, '', TOKEN).url).toBe('/api/dashboard/logs?since=10&limit=50');
    expect(buildRequest('discoverInterpreters', { refresh: true }, '', TOKEN).url).toBe('/api/dashboard/interpreters/discover?refresh=true');
    expect(buildRequest('getLogs', { since: undefined }, '', TOKEN).url).toBe('/api/dashboard/logs');
    expect(buildRequest('getLogs', {}, '', TOKEN).init.body).toBeUndefined();
  });

  it('uses the contract method for every operation and sends the token only where auth is required', () => {
    const { init: del } = buildRequest('removeInterpreter', { name: 'old' }, '', TOKEN);
    expect(del.method).toBe('DELETE');
    expect(buildRequest('updateConfig', { logging_level: 'debug' }, '', TOKEN).init.method).toBe('PATCH');
    expect(buildRequest('listPlugins', {}, '', TOKEN).init.headers['Authorization']).toBeUndefined();
    expect(buildRequest('health', {}, '', TOKEN).init.headers['Authorization']).toBeUndefined();
    expect(operations.listPlugins.auth).toBe(false);
  });

  it('refuses to call with a missing path parameter', () => {
    expect(() => buildRequest('removeInterpreter', {}, '', TOKEN)).toThrow(ApiError);
  });
});

describe('HTTP errors', () => {
  it('maps { error: { code, message, details } } to an ApiError with the field details', async () => {
    const details = { fields: [{ field: 'path', message: 'does not exist' }] };
    const fetch = vi.fn(async () => jsonResponse(400, { error: { code: 'INVALID_INPUT', message: 'path: /x does not exist', details } }));
    const api = createApi(createHttpTransport({ getToken: () => TOKEN, fetch }));
    const err = await api.client.addInterpreter({ key: 'k', path: '/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', message: 'path: /x does not exist', details, status: 400 });
    expect(fieldErrors(err)).toEqual({ path: 'does not exist' });
  });

  it('calls onUnauthorized on 401 and still rejects with UNAUTHORIZED', async () => {
    const onUnauthorized = vi.fn();
    const fetch = vi.fn(async () => jsonResponse(401, { error: { code: 'UNAUTHORIZED', message: 'missing or wrong API token' } }));
    const api = createApi(createHttpTransport({ getToken: () => 'bad', onUnauthorized, fetch }));
    await expect(api.client.getConfig({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('turns a refused connection into UNREACHABLE and a non-JSON error body into a coded error', async () => {
    const down = createApi(createHttpTransport({ getToken: () => TOKEN, fetch: vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))) }));
    await expect(down.client.getConfig({})).rejects.toMatchObject({ code: 'UNREACHABLE' });
    const html = createApi(createHttpTransport({ getToken: () => TOKEN, fetch: vi.fn(async () => new Response('<h1>Bad gateway</h1>', { status: 503 })) }));
    await expect(html.client.getConnection({})).rejects.toMatchObject({ code: 'UNAVAILABLE', status: 503 });
  });

  it('returns the parsed body on success', async () => {
    const fetch = vi.fn(async () => jsonResponse(201, { revision: 3, active: null, interpreters: [] }));
    const api = createApi(createHttpTransport({ getToken: () => TOKEN, fetch }));
    await expect(api.client.addInterpreter({ key: 'k', path: '/usr/bin/python3' })).resolves.toEqual({ revision: 3, active: null, interpreters: [] });
  });

  it('reads field errors from details.fields, the one shape the API sends', () => {
    expect(fieldErrors(errorFromBody({ error: { code: 'CONFLICT', message: "an interpreter named 'k' already exists", details: { fields: [{ field: 'key', message: 'exists' }] } } }, 409))).toEqual({ key: 'exists' });
    const two = { fields: [{ field: 'environment.API_KEY', message: 'too long' }, { field: 'environment.X', message: 'bad' }, { field: 'path', message: 'not absolute' }] };
    expect(fieldErrors(errorFromBody({ error: { code: 'INVALID_INPUT', message: 'x', details: two } }))).toEqual({ environment: 'too long; bad', path: 'not absolute' });
    expect(fieldErrors(errorFromBody({ error: { code: 'CONFLICT', message: 'busy', details: { job: 'j1' } } }, 409))).toEqual({});
    expect(fieldErrors(new Error('plain'))).toEqual({});
  });
});

describe('IPC transport', () => {
  it('invokes the contract channel and unwraps the Result envelope', async () => {
    const invoke = vi.fn(async (channel: string) =>
      channel === 'op:config.get' ? { ok: true as const, value: { revision: 1 } } : { ok: false as const, error: { code: 'NOT_FOUND' as const, message: 'no interpreter named x' } },
    );
    const bridge: BridgeApi = { invoke, on: () => () => undefined };
    const api = createApi(createIpcTransport(bridge));
    await expect(api.client.getConfig({})).resolves.toEqual({ revision: 1 });
    await expect(api.client.removeInterpreter({ name: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no interpreter named x' });
    expect(invoke).toHaveBeenCalledWith('op:interpreters.remove', { name: 'x' });
  });

  it('listens on every event channel and stops them all', () => {
    const listeners = new Map<string, (p: unknown) => void>();
    const stop = vi.fn();
    const bridge: BridgeApi = {
      invoke: vi.fn(),
      on: (channel, listener) => {
        listeners.set(channel, listener);
        return stop;
      },
    };
    const got: AppEvent[] = [];
    const states: string[] = [];
    const unsubscribe = createIpcTransport(bridge).subscribe({ onEvent: (e) => got.push(e), onState: (s) => states.push(s) });
    // every event of the contract, each on its own channel (7 today: the delivery events included)
    expect([...listeners.keys()].sort()).toEqual(eventNames.map((n) => events[n].channel).sort());
    expect(listeners.size).toBe(7);
    listeners.get('event:log.appended')?.({ seq: 1 });
    expect(got).toEqual([{ name: 'logAppended', payload: { seq: 1 } }]);
    expect(states).toEqual(['open']);
    unsubscribe();
    expect(stop).toHaveBeenCalledTimes(7);
  });
});

it('streams events from the contract path', () => {
  expect(EVENTS_PATH).toBe('/api/dashboard/events');
});
