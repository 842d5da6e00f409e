/**
 * The streamed data path of ExecutorClient (stream-client.ts) against a stand-in gRPC server that
 * breaks streams and withholds replies on command (test/helpers/stand-in-executor.ts): negotiation,
 * matching by request id, least-loaded spreading, deadline, cancellation, per-call errors, a broken
 * stream (retry once when not started, a clear failure when started) and re-opening. The same
 * behaviour against the real Python executor: webhook-streams.test.ts.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecutorClient, ExecutorError, neverReachedExecutor, type ExecuteRequest } from '../../electron/core/executor/grpc-client.js';
import { toAppError } from '../../electron/core/executor/error-map.js';
import { REPO_ROOT } from '../helpers/bridge.js';
import { startStandIn, type StandIn } from '../helpers/stand-in-executor.js';

const PROTO_DIR = path.join(REPO_ROOT, 'proto');
let seq = 0;
const req = (plugin: string, extra: Partial<ExecuteRequest> = {}): ExecuteRequest => ({
  requestId: `t-${++seq}`, plugin, method: 'POST', path: `/api/v1/webhook/${plugin}`, headers: [{ name: 'x-a', value: '1' }], query: '', body: Buffer.from('{}'), contentType: 'application/json', timeoutMs: 1_000, ...extra,
});
const failure = (p: Promise<unknown>): Promise<ExecutorError> =>
  p.then(() => { throw new Error('expected the call to fail'); }, (err: unknown) => { if (!(err instanceof ExecutorError)) throw err; return err; });

describe('execute over streams (stand-in server)', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });
  async function setup(capabilities: string[], o: { streams?: number; serveStream?: boolean } = {}): Promise<{ server: StandIn; client: ExecutorClient }> {
    const server = await startStandIn({ capabilities, ...(o.serveStream === undefined ? {} : { serveStream: o.serveStream }) });
    cleanup.push(() => server.stop());
    const client = new ExecutorClient({ address: server.address, token: server.token, protoDir: PROTO_DIR, ...(o.streams === undefined ? {} : { streams: o.streams }) });
    cleanup.push(() => client.close());
    await client.executorHealth();
    return { server, client };
  }

  it('negotiates: unary until the HealthCheck lists execute-stream, unary for an executor that does not, or with streams: 0', async () => {
    const old = await setup([]);
    expect(old.client.dataPath).toBe('unary');
    const r = await old.client.execute(req('echo'));
    expect(JSON.parse(r.body.toString())).toMatchObject({ stream: -1 });
    expect(old.server.unaryCalls).toBe(1);
    expect(old.server.streamsOpened).toBe(0);

    const off = await setup(['execute-stream'], { streams: 0 });
    expect(off.client.dataPath).toBe('unary');

    const cur = await setup(['other', 'execute-stream']);
    expect(cur.client.dataPath).toBe('stream');
    const s = await cur.client.execute(req('echo'));
    expect(s.statusCode).toBe(200);
    expect(cur.server.unaryCalls).toBe(0);
    expect(cur.server.streamsOpened).toBe(1);
  });

  it('matches many concurrent calls by request id, spread over the configured number of streams, with deadline_ms sent', async () => {
    const { server, client } = await setup(['execute-stream'], { streams: 4 });
    const before = client.answered;
    const calls = Array.from({ length: 64 }, () => req('echo'));
    const answers = await Promise.all(calls.map((c) => client.execute(c)));
    answers.forEach((a, i) => {
      expect(a.requestId).toBe(calls[i]?.requestId);
      expect(JSON.parse(a.body.toString())).toMatchObject({ id: calls[i]?.requestId });
    });
    expect(new Set(answers.map((a) => (JSON.parse(a.body.toString()) as { stream: number }).stream)).size).toBe(4);
    expect(server.streamsOpened).toBe(4);
    expect(server.deadlines.get(calls[0]?.requestId ?? '')).toBe(3_000);
    expect(client.answered - before).toBe(64);
  });

  it('maps an error_code exactly as the unary path maps the gRPC status (NOT_FOUND → 404)', async () => {
    const { client } = await setup(['execute-stream']);
    const err = await failure(client.execute(req('missing')));
    expect(err.code).toBe('NOT_FOUND');
    expect(toAppError(err, "plugin 'missing'").code).toBe('NOT_FOUND');
  });

  it('answers DEADLINE_EXCEEDED at the deadline when the executor never replies, and tells it to drop the call', async () => {
    const { server, client } = await setup(['execute-stream']);
    const call = req('hold');
    const err = await failure(client.execute(call, { deadlineMs: 200 }));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(toAppError(err, 'x').code).toBe('TIMEOUT');
    // frames reach the server after the caller was answered: the call, then its cancel
    await waitFor(() => server.cancels.length > 0);
    expect(server.cancels).toEqual([call.requestId]);
    expect(server.deadlines.get(call.requestId)).toBe(200);
    // the stream stays usable
    expect((await client.execute(req('echo'))).statusCode).toBe(200);
  });

  it('cancels a call when its AbortSignal fires: CANCELLED for the caller, a cancel frame for the executor', async () => {
    const { server, client } = await setup(['execute-stream']);
    const ac = new AbortController();
    const call = req('hold');
    const pending = client.execute(call, { signal: ac.signal });
    await waitFor(() => server.seen.has(call.requestId));
    ac.abort();
    expect((await failure(pending)).code).toBe('CANCELLED');
    await waitFor(() => server.cancels.length > 0);
    expect(server.cancels).toEqual([call.requestId]);
    const early = new AbortController();
    early.abort();
    expect((await failure(client.execute(req('hold'), { signal: early.signal }))).code).toBe('CANCELLED');
  });

  it('a broken stream: a started call fails UNAVAILABLE saying it may have run, one not started is retried once on another stream, later calls reopen', async () => {
    const { server, client } = await setup(['execute-stream'], { streams: 1 });
    const started = req('hold');
    const notStarted = req('retry-ok');
    const p1 = client.execute(started);
    const p2 = client.execute(notStarted);
    await waitFor(() => server.seen.has(started.requestId) && server.seen.has(notStarted.requestId));
    server.breakStreams();
    const err = await failure(p1);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/broke while the call was in flight; the plugin may have run/);
    expect(toAppError(err, 'x').code).toBe('UNAVAILABLE');
    const retried = await p2;
    expect(retried.requestId).toBe(notStarted.requestId);
    expect(server.seen.get(notStarted.requestId)).toBe(2);
    expect(JSON.parse(retried.body.toString())).toMatchObject({ stream: 1 });
    expect((await client.execute(req('echo'))).statusCode).toBe(200);
    expect(server.streamsOpened).toBe(2);
  });

  it('a call whose retry breaks too fails with the stream error (retried once only)', async () => {
    const { server, client } = await setup(['execute-stream'], { streams: 2 });
    const call = req('quiet');
    const p = client.execute(call);
    await waitFor(() => server.seen.get(call.requestId) === 1);
    server.breakStreams();
    await waitFor(() => server.seen.get(call.requestId) === 2);
    server.breakStreams();
    const err = await failure(p);
    expect(err.code).toBe('UNAVAILABLE');
    expect(server.seen.get(call.requestId)).toBe(2);
    // no started notice is not proof that it never started: never sent to another pool process
    expect([err.notStarted, neverReachedExecutor(err)]).toEqual([false, false]);
  });

  it('an executor that sends no started notices: a call on a stream that answered before is not retried (it may have run)', async () => {
    const { server, client } = await setup(['execute-stream'], { streams: 1 });
    expect((await client.execute(req('echo'))).statusCode).toBe(200);
    const call = req('quiet');
    const p = client.execute(call);
    await waitFor(() => server.seen.has(call.requestId));
    server.breakStreams();
    const err = await failure(p);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/may have run, so it is not retried/);
    expect(server.seen.get(call.requestId)).toBe(1);
  });

  it('an UNAVAILABLE reply with started=false is marked notStarted: the pool may send it to another process', async () => {
    const { client } = await setup(['execute-stream']);
    const err = await failure(client.execute(req('stopping')));
    expect([err.code, err.message, err.notStarted, neverReachedExecutor(err)]).toEqual(['UNAVAILABLE', 'the executor is stopping', true, true]);
    const other = await failure(client.execute(req('missing')));
    expect([other.code, other.notStarted, neverReachedExecutor(other)]).toEqual(['NOT_FOUND', true, false]);
  });

  it('refuses a request id already in flight (or none) at once, INVALID_ARGUMENT, and the call in flight goes on', async () => {
    const { server, client } = await setup(['execute-stream'], { streams: 2 });
    const first = req('hold');
    const p1 = client.execute(first, { deadlineMs: 300 });
    await waitFor(() => server.seen.has(first.requestId));
    const dup = await failure(client.execute(req('echo', { requestId: first.requestId })));
    expect(dup.code).toBe('INVALID_ARGUMENT');
    expect(dup.message).toMatch(/already in flight/);
    expect(toAppError(dup, 'x').code).toBe('INVALID_INPUT');
    expect((await failure(client.execute(req('echo', { requestId: '' })))).code).toBe('INVALID_ARGUMENT');
    // the first call is still the one its id stands for: its deadline answers it, the duplicate never left
    expect((await failure(p1)).code).toBe('DEADLINE_EXCEEDED');
    expect(server.seen.get(first.requestId)).toBe(1);
    // once answered, the id may be used again
    expect((await client.execute(req('echo', { requestId: first.requestId }))).statusCode).toBe(200);
  });

  it('falls back to unary when the executor lists the capability but does not serve ExecuteStream', async () => {
    const { server, client } = await setup(['execute-stream'], { serveStream: false });
    const r = await client.execute(req('echo'));
    expect(r.statusCode).toBe(200);
    expect(server.unaryCalls).toBe(1);
    expect(client.dataPath).toBe('unary');
  });

  it('health calls answer while stream calls are held, and close() fails the held calls CANCELLED', async () => {
    const { server, client } = await setup(['execute-stream']);
    const held = Array.from({ length: 40 }, () => client.execute(req('hold')));
    await waitFor(() => server.seen.size >= 40);
    expect(await client.servingStatus()).toBe('SERVING');
    client.close();
    for (const p of held) expect((await failure(p)).code).toBe('CANCELLED');
    expect((await failure(client.execute(req('echo')))).code).toBe('CANCELLED');
  });
});

/** Polls a condition the stand-in server reaches asynchronously (no event to wait on). */
async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the stand-in server');
    await new Promise((r) => setTimeout(r, 5));
  }
}
