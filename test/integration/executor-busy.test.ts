/**
 * Busy is not hung (issue 12, B6), on a real executor over real gRPC: a burst of slow calls larger
 * than the executor's threads and queue never makes its health checks wait, the calls it cannot
 * place are answered 503 with Retry-After (in-band, so they do not count against its health), and
 * the ones that found a thread or a queue place are answered 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutorClient, type ExecuteRequest, type ExecuteResponse } from '../../electron/core/executor/grpc-client.js';
import { configYaml, FIXTURE_PLUGINS, RESOURCES, ROOT, startCore, SYSTEM_PYTHON } from '../helpers/executor.js';
import { spawnExecutorProcess } from '../helpers/raw-executor-process.js';

const EXECUTOR = path.join(RESOURCES, 'python', 'webhook_bridge_executor');
const THREADS = 2;
const QUEUE = 2;
const BURST = 40;
const PLUGIN_SECONDS = 6;
const QUEUE_TIMEOUT_S = 1;

interface Running {
  child: ChildProcess;
  client: ExecutorClient;
  stderr: string[];
}

const dirs: string[] = [];
const running: Running[] = [];

async function startExecutor(args: string[]): Promise<Running> {
  const p = await spawnExecutorProcess({ prefix: 'wbx-busy-', pluginDirs: [FIXTURE_PLUGINS], args });
  dirs.push(p.dir);
  const r = { child: p.child, client: new ExecutorClient({ address: p.address, token: p.token, protoDir: path.join(ROOT, 'proto') }), stderr: p.stderr };
  running.push(r);
  return r;
}

function call(plugin: string, query = ''): ExecuteRequest {
  return { requestId: randomBytes(4).toString('hex'), plugin, method: 'POST', path: `/hooks/${plugin}`, headers: [], query, body: Buffer.from('{}'), contentType: 'application/json' };
}

const header = (res: ExecuteResponse, name: string): string | undefined => res.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;

afterAll(() => {
  for (const r of running) {
    r.client.close();
    r.child.kill('SIGKILL');
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a busy executor (more slow calls than threads + queue)', () => {
  let exe: Running;
  beforeAll(async () => {
    exe = await startExecutor(['--threads', String(THREADS), '--queue-size', String(QUEUE), '--queue-timeout', String(QUEUE_TIMEOUT_S), '--plugin-timeout', '30']);
  });

  it('answers health checks while every thread and queue place is held, and 503 + Retry-After to the calls it cannot place', async () => {
    const calls = Array.from({ length: BURST }, () => exe.client.execute({ ...call('busy', `seconds=${PLUGIN_SECONDS}`), timeoutMs: 30_000 }, { deadlineMs: 40_000 }));
    // Once the refusals are in, every thread runs the plugin and every queue place is taken.
    const settled: ExecuteResponse[] = [];
    for (const c of calls) void c.then((r) => settled.push(r));
    await expect.poll(() => settled.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(BURST - THREADS - QUEUE);
    const probes = [];
    for (let i = 0; i < 5; i++) {
      // twice the shipped probe deadline (1.5 s), for a loaded machine: still well under the
      // PLUGIN_SECONDS a probe queued behind plugin calls would wait
      probes.push(await exe.client.servingStatus({ deadlineMs: 3_000 }));
      probes.push((await exe.client.executorHealth({ deadlineMs: 3_000 })).status);
    }
    expect(probes).toEqual(Array(10).fill('SERVING'));
    expect(settled.length).toBeLessThan(BURST); // the accepted calls were still running meanwhile

    const all = await Promise.all(calls);
    const byStatus = new Map<number, number>();
    for (const r of all) byStatus.set(r.statusCode, (byStatus.get(r.statusCode) ?? 0) + 1);
    // THREADS ran at once; the QUEUE waiting ones waited QUEUE_TIMEOUT_S < PLUGIN_SECONDS for a thread
    expect(Object.fromEntries(byStatus)).toEqual({ 200: THREADS, 503: BURST - THREADS });
    for (const r of all.filter((x) => x.statusCode === 503)) {
      expect(header(r, 'Retry-After')).toBe('1');
      expect(JSON.parse(r.body.toString())).toEqual({ error: { code: 'UNAVAILABLE', message: expect.stringMatching(/^the executor is busy: all 2 plugin threads (are busy and 2 calls are already waiting|stayed busy for 1s); retry later$/) } });
    }
    expect(all.filter((r) => r.error.includes('stayed busy'))).toHaveLength(QUEUE);
    // busy is not broken: nothing abandoned, still SERVING, and a new call runs
    const own = await exe.client.executorHealth();
    expect([own.status, own.abandonedCalls]).toEqual(['SERVING', 0]);
    expect((await exe.client.execute(call('busy', 'seconds=0'))).statusCode).toBe(200);
    // a burst of refusals is one warning, not one per call
    expect(exe.stderr.filter((l) => l.includes('WARNING') && l.includes('refused with 503')).length).toBeLessThanOrEqual(2);
  });
});

describe('plugin listing never competes with webhook calls for the plugin queue', () => {
  it('an idle executor with 2 threads and no queue lists every plugin, and still does while both threads are held', async () => {
    const exe = await startExecutor(['--threads', '2', '--queue-size', '0', '--plugin-timeout', '30']);
    const notBusy = (infos: { name: string; error: string }[]) => infos.filter((p) => p.error.includes('busy')).map((p) => p.name);
    const idle = await exe.client.listPlugins({ deadlineMs: 20_000 });
    // more plugins than threads: each loads on the loader pool, none is refused as "busy"
    expect(idle.length).toBeGreaterThan(2);
    expect(notBusy(idle)).toEqual([]);
    expect(idle.find((p) => p.name === 'noop' || p.name === 'busy')?.available).toBe(true);
    // both webhook threads held: listing and plugin info still answer, and take no webhook place
    // Hold both threads with 12 s calls. Which call gets a thread is up to arrival order, so keep
    // sending 12 s calls until one is refused: the ones still running then hold both threads.
    const held: Promise<ExecuteResponse>[] = [];
    const hold = (): Promise<ExecuteResponse> => exe.client.execute({ ...call('busy', 'seconds=12'), timeoutMs: 30_000 }, { deadlineMs: 40_000 });
    await expect.poll(async () => {
      const p = hold();
      const answered = await Promise.race([p, new Promise<undefined>((r) => setTimeout(r, 500, undefined))]);
      if (answered === undefined) held.push(p);
      return answered?.statusCode ?? 'running';
    }, { timeout: 20_000, interval: 0 }).toBe(503);
    const during = await exe.client.listPlugins({ deadlineMs: 20_000 });
    expect(notBusy(during)).toEqual([]);
    expect(during.map((p) => p.name)).toEqual(idle.map((p) => p.name));
    expect((await exe.client.getPluginInfo('busy', { deadlineMs: 20_000 })).available).toBe(true);
    // the calls that held a thread ran to the end (a slow refusal may have been counted as running)
    expect((await Promise.all(held)).map((r) => r.statusCode).filter((c) => c === 200)).toEqual([200, 200]);
  }, 90_000);
});

describe('executor concurrency options', () => {
  it('refuses a negative queue size and a zero queue timeout (exit 2, one line naming the option)', async () => {
    for (const [flag, value] of [['--queue-size', '-1'], ['--queue-timeout', '0'], ['--threads', '0']] as const) {
      const child = spawn(SYSTEM_PYTHON, [EXECUTOR, '--port', '0', flag, value], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', WEBHOOK_BRIDGE_EXECUTOR_TOKEN: 't' }, stdio: ['pipe', 'pipe', 'pipe'] });
      const err: Buffer[] = [];
      child.stderr.on('data', (c: Buffer) => err.push(c));
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(code).toBe(2);
      expect(Buffer.concat(err).toString()).toContain(`argument ${flag}`);
    }
  });
});

describe('executor.threads / queue_size / queue_timeout in the config', () => {
  it('reach the executor the app spawns: with 2 threads and no queue, a third concurrent call is 503 + Retry-After and nothing restarts', async () => {
    const c = await startCore(configYaml({ interpreters: { sys: { path: SYSTEM_PYTHON } }, active: 'sys', executor: { threads: 2, queue_size: 0, queue_timeout: 5 } }));
    try {
      const pid = c.executor.status().pid;
      const send = (seconds: number) => c.executor.execute({ plugin: 'busy', method: 'POST', path: '/api/v1/webhook/busy', headers: {}, query: `seconds=${seconds}`, body: Buffer.from('{}'), contentType: 'application/json' });
      const held = [send(3), send(3)];
      // the third one is sent once the bridge has both in flight (whichever the executor placed last is refused)
      await expect.poll(() => c.executor.status().requests.in_flight, { timeout: 10_000 }).toBe(2);
      const all = await Promise.all([...held, send(0)]);
      expect(all.map((r) => r.status).sort()).toEqual([200, 200, 503]);
      const refused = all.find((r) => r.status === 503);
      expect(refused?.headers).toContainEqual(['Retry-After', '1']);
      expect(JSON.parse(refused?.body.toString() ?? '')).toEqual({ error: { code: 'UNAVAILABLE', message: 'the executor is busy: all 2 plugin threads are busy and 0 calls are already waiting; retry later' } });
      const s = c.executor.status();
      expect([s.state, s.pid, s.restarts]).toEqual(['connected', pid, 0]);
    } finally {
      await c.stop();
    }
  });
});
