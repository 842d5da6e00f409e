/**
 * Many concurrent calls on one real executor, run with the app's default concurrency settings
 * (`executor.threads`, `queue_size`, `queue_timeout` as the app passes them), through the app's
 * ExecutorClient over both data paths: streams (ExecuteStream) and one unary ExecutePlugin per
 * call (what an older app or an external client uses). Every call gets its own answer.
 *
 * The bench's direct-gRPC rows once used one request id for every call: over streams, replies are
 * matched by request id, so 32 concurrent callers under one id were answered for one of them and
 * the rest waited for ever. Unary calls do not care; streamed ones with a duplicate id are now
 * refused at once (INVALID_ARGUMENT) instead of being lost.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXECUTOR_CONCURRENCY_DEFAULTS } from '../../shared/dto/config.js';
import { concurrencyArgs } from '../../electron/core/executor/concurrency.js';
import { ExecutorClient, ExecutorError, type ExecuteRequest } from '../../electron/core/executor/grpc-client.js';
import { FIXTURE_PLUGINS, ROOT } from '../helpers/executor.js';
import { spawnExecutorProcess, type ExecutorProcess } from '../helpers/raw-executor-process.js';

let seq = 0;
const sleep = (seconds: number, requestId = `c-${++seq}`): ExecuteRequest => ({
  requestId, plugin: 'busy', method: 'POST', path: '/api/v1/webhook/busy', headers: [], query: `seconds=${seconds}`, body: Buffer.from('{}'), contentType: 'application/json', timeoutMs: 30_000,
});
const outcome = (p: Promise<{ statusCode: number; requestId: string }>): Promise<string> =>
  p.then((r) => `${r.statusCode} ${r.requestId}`, (err: unknown) => (err instanceof ExecutorError ? err.code : String(err)));

describe('concurrent calls on one real executor with the default thread settings', () => {
  let x: ExecutorProcess;
  let streamed: ExecutorClient;
  let unary: ExecutorClient;
  beforeAll(async () => {
    x = await spawnExecutorProcess({ prefix: 'wbx-conc-', pluginDirs: [FIXTURE_PLUGINS], args: ['--plugin-timeout', '30', ...concurrencyArgs(EXECUTOR_CONCURRENCY_DEFAULTS)] });
    const protoDir = path.join(ROOT, 'proto');
    streamed = new ExecutorClient({ address: x.address, token: x.token, protoDir });
    unary = new ExecutorClient({ address: x.address, token: x.token, protoDir, streams: 0 });
    await streamed.executorHealth();
    await unary.executorHealth();
    expect([streamed.dataPath, unary.dataPath]).toEqual(['stream', 'unary']);
  });
  afterAll(() => {
    streamed?.close();
    unary?.close();
    x?.child.kill('SIGKILL');
    if (x) rmSync(x.dir, { recursive: true, force: true });
  });

  for (const [n, path_] of [[32, 'unary'], [64, 'unary'], [64, 'stream']] as const) {
    it(`${n} concurrent ${path_} calls to a 200 ms plugin all answer 200, each with its own request id`, async () => {
      const client = path_ === 'unary' ? unary : streamed;
      const calls = Array.from({ length: n }, () => sleep(0.2));
      const got = await Promise.all(calls.map((c) => outcome(client.execute(c))));
      expect(got).toEqual(calls.map((c) => `200 ${c.requestId}`));
    });
  }

  const { threads, queue_size: queueSize } = EXECUTOR_CONCURRENCY_DEFAULTS;
  const half = Math.floor((threads + queueSize) / 2);
  it(`unary and streamed calls at once (${half} + ${half}, all the threads and queue places there are): every one answers, nothing refused`, async () => {
    const u = Array.from({ length: half }, () => sleep(0.1));
    const s = Array.from({ length: half }, () => sleep(0.1));
    const got = await Promise.all([...u.map((c) => outcome(unary.execute(c))), ...s.map((c) => outcome(streamed.execute(c)))]);
    expect(got).toEqual([...u, ...s].map((c) => `200 ${c.requestId}`));
    expect((await streamed.executorHealth()).status).toBe('SERVING');
  });

  it('32 concurrent calls under ONE request id: unary answers all; streamed answers one and refuses the rest at once', async () => {
    const u = await Promise.all(Array.from({ length: 32 }, () => outcome(unary.execute(sleep(0.2, 'same-id')))));
    expect(u).toEqual(Array.from({ length: 32 }, () => '200 same-id'));
    const s = await Promise.all(Array.from({ length: 32 }, () => outcome(streamed.execute(sleep(0.2, 'same-id')))));
    expect(s.filter((r) => r === '200 same-id')).toHaveLength(1);
    expect(s.filter((r) => r === 'INVALID_ARGUMENT')).toHaveLength(31);
  });
});
