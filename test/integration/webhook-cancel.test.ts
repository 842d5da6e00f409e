/**
 * The webhook route's cancellation, through a real bridge over real HTTP: an HTTP client that goes
 * away mid-call makes the app send the executor a cancel frame for that call. The executor here is
 * the stand-in gRPC server in external mode (it holds the call and records frames); the plugin-side
 * effect with the real Python executor is in webhook-streams.test.ts.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { configYaml, SYSTEM_PYTHON, waitUntil } from '../helpers/executor.js';
import { startStandIn, type StandIn } from '../helpers/stand-in-executor.js';

describe('webhook route: HTTP client gone → call cancelled', () => {
  let server: StandIn;
  let b: TestBridge;

  beforeAll(async () => {
    server = await startStandIn({ capabilities: ['execute-stream'] });
    const port = Number(server.address.split(':')[1]);
    b = await startTestBridge({
      configText: configYaml({ interpreters: { system: { path: SYSTEM_PYTHON } }, active: 'system', executor: { mode: 'external', host: '127.0.0.1', port, timeout: 30 } }),
      env: { WEBHOOK_BRIDGE_EXECUTOR_TOKEN: server.token },
    });
    await waitUntil(() => b.bridge.core.executor.status().state === 'connected', 10_000, 'the external stand-in connected');
  });
  afterAll(async () => {
    await b?.stop();
    await server?.stop();
  });

  it('answers over the stream while the client waits', async () => {
    const r = await b.request('POST', '/api/v1/webhook/echo', { body: { a: 1 }, auth: false });
    expect(r.status).toBe(200);
    expect(server.streamsOpened).toBeGreaterThan(0);
    expect(server.unaryCalls).toBe(0);
  });

  it('sends cancel_request_id for the call when the HTTP client disconnects', async () => {
    const seenBefore = new Set(server.seen.keys());
    const req = http.request(`${b.url}/api/v1/webhook/hold`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end('{}');
    await waitUntil(() => [...server.seen.keys()].some((id) => !seenBefore.has(id)), 10_000, 'the call reached the executor');
    const id = [...server.seen.keys()].find((k) => !seenBefore.has(k));
    expect(server.cancels).not.toContain(id);
    req.destroy();
    await waitUntil(() => server.cancels.includes(id ?? ''), 10_000, 'the cancel frame');
    expect(server.cancels).toContain(id);
  });
});
