/**
 * ExecuteStream on a real executor over real gRPC (grpc-js directly): many calls on one stream
 * matched by request_id and answered in completion order, per-call deadlines (504), cancellation
 * before and after the plugin started, per-call errors in the protocol (error_code), busy as
 * in-band 503 with nothing killed and health answering, the plugin's log lines in the response,
 * verified replays, and --no-stream behaving like an executor of an older version.
 */
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PLUGINS, RESOURCES, ROOT } from '../helpers/executor.js';
import { spawnExecutorProcess } from '../helpers/raw-executor-process.js';
import { RawExecutor, type StreamReply } from '../helpers/stream.js';

const PLUGIN_DIRS = [path.join(RESOURCES, 'plugins'), FIXTURE_PLUGINS];
const SECRET = 'stream-test-secret';

interface Running {
  child: ChildProcess;
  exe: RawExecutor;
  stderr: string[];
}

const dirs: string[] = [];
const running: Running[] = [];

async function startExecutor(args: string[]): Promise<Running> {
  const p = await spawnExecutorProcess({ prefix: 'wbx-stream-', pluginDirs: PLUGIN_DIRS, args, env: { GITHUB_WEBHOOK_SECRET: SECRET } });
  dirs.push(p.dir);
  const r = { child: p.child, exe: new RawExecutor(p.address, p.token, path.join(ROOT, 'proto')), stderr: p.stderr };
  running.push(r);
  return r;
}

afterAll(() => {
  for (const r of running) {
    r.exe.close();
    r.child.kill('SIGKILL');
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A file path that does not exist yet: chatty calls with ?wait_for=<it> run until it is created. */
let gates = 0;
const gate = (): { query: string; open(): void } => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wbx-gate-'));
  dirs.push(dir);
  const file = path.join(dir, `gate-${gates++}`);
  return { query: `lines=0&wait_for=${encodeURIComponent(file)}`, open: () => writeFileSync(file, '') };
};
const json = (r: StreamReply): unknown => JSON.parse(r.response?.body.toString() ?? 'null');
const until = async (cond: () => boolean, what: string): Promise<void> => {
  await expect.poll(cond, { timeout: 15_000, message: what }).toBe(true);
};

describe('ExecuteStream', () => {
  let x: Running;
  beforeAll(async () => {
    x = await startExecutor(['--threads', '4', '--queue-size', '64', '--queue-timeout', '30', '--plugin-timeout', '20']);
  });

  it('is announced in HealthCheck capabilities', async () => {
    expect((await x.exe.executorHealth()).capabilities).toEqual(['execute-stream']);
  });

  it('runs concurrent calls of one stream and answers them in completion order, each by its request_id', async () => {
    const s = x.exe.open();
    const g = gate();
    const slow = s.call({ requestId: 'slow', plugin: 'chatty', query: g.query });
    await until(() => x.stderr.some((l) => l.includes('plugin.chatty: started slow')), 'the slow call to start');
    const echoes = Array.from({ length: 20 }, (_, i) => s.call({ requestId: `echo-${i}`, plugin: 'echo', body: Buffer.from(JSON.stringify({ i })) }));
    const answered = await Promise.all(echoes);
    expect(answered.map((r) => [r.requestId, r.response?.statusCode, r.errorCode, r.started])).toEqual(answered.map((_, i) => [`echo-${i}`, 200, '', true]));
    expect(answered.map((r) => (json(r) as { body: unknown }).body)).toEqual(answered.map((_, i) => ({ i })));
    expect(s.replies.has('slow')).toBe(false);
    await until(() => s.notices.includes('slow'), 'the started notice of the slow call'); // before its final reply
    g.open();
    expect((await slow).response?.statusCode).toBe(200);
    expect(s.order.indexOf('slow')).toBe(20); // finished last, answered last
    s.end();
    expect((await s.ended).code).toBe(grpc.status.OK);
  });

  it('answers 504 in-band before deadline_ms passes, and the stream goes on', async () => {
    const s = x.exe.open();
    const late = await s.call({ requestId: 'late', plugin: 'busy', query: 'seconds=10', deadlineMs: 400 });
    expect([late.response?.statusCode, late.started, late.errorCode]).toEqual([504, true, '']);
    expect(json(late)).toEqual({ error: { code: 'TIMEOUT', message: expect.stringMatching(/^plugin 'busy' timed out after 0\.35s$/) } });
    expect((await s.call({ requestId: 'next', plugin: 'noop' })).response?.statusCode).toBe(200);
    s.end();
  });

  it('reports what ExecutePlugin reports as a gRPC error as error_code, and the stream goes on', async () => {
    const s = x.exe.open();
    const replies = await Promise.all([
      s.call({ requestId: 'bad-name', plugin: '../etc/passwd' }),
      s.call({ requestId: 'bad-method', plugin: 'noop', method: 'PO ST' }),
      s.call({ requestId: 'missing', plugin: 'no_such_plugin' }),
      s.call({ requestId: '', plugin: 'noop' }),
    ]);
    expect(replies.map((r) => [r.requestId, r.errorCode, r.started, r.response])).toEqual([
      ['bad-name', 'INVALID_ARGUMENT', false, null],
      ['bad-method', 'INVALID_ARGUMENT', false, null],
      ['missing', 'NOT_FOUND', false, null],
      ['', 'INVALID_ARGUMENT', false, null],
    ]);
    expect(replies.map((r) => r.errorMessage)).toEqual(["invalid plugin name '../etc/passwd'", "invalid HTTP method 'PO ST'", "no plugin named 'no_such_plugin'", 'a call needs a request_id']);
    const g = gate();
    const held = s.call({ requestId: 'twice', plugin: 'chatty', query: g.query });
    void s.call({ requestId: 'twice', plugin: 'noop' });
    await until(() => (s.replies.get('twice')?.length ?? 0) === 1, 'the refusal of the second "twice"');
    g.open();
    await until(() => (s.replies.get('twice')?.length ?? 0) === 2, 'both replies for "twice"');
    const [first, second] = s.replies.get('twice')!;
    expect([first?.errorCode, first?.errorMessage]).toEqual(['INVALID_ARGUMENT', "request_id 'twice' is already in flight on this stream"]);
    expect(second?.response?.statusCode).toBe(200);
    expect((await held).errorCode).toBe('INVALID_ARGUMENT');
    s.end();
  });

  it('drops a cancelled call that has not started, and answers a cancelled running one at once', async () => {
    const s = x.exe.open();
    // hold all 4 threads, then queue one more and cancel it
    const g = gate();
    const holders = Array.from({ length: 4 }, (_, i) => s.call({ requestId: `hold-${i}`, plugin: 'chatty', query: g.query }));
    await until(() => [0, 1, 2, 3].every((i) => x.stderr.some((l) => l.includes(`started hold-${i}`))), 'all threads held');
    const queued = s.call({ requestId: 'queued', plugin: 'chatty' });
    s.cancel('queued');
    const dropped = await queued;
    expect([dropped.errorCode, dropped.errorMessage, dropped.started]).toEqual(['CANCELLED', 'cancelled before it started', false]);
    s.cancel('hold-0');
    const cancelled = await holders[0]!;
    expect([cancelled.errorCode, cancelled.started]).toEqual(['CANCELLED', true]);
    expect(cancelled.errorMessage).toMatch(/^cancelled while running/);
    g.open();
    expect((await Promise.all(holders.slice(1))).map((r) => r.response?.statusCode)).toEqual([200, 200, 200]);
    s.cancel('no-such-call'); // unknown or already answered: ignored
    expect((await s.call({ requestId: 'after', plugin: 'noop' })).response?.statusCode).toBe(200);
    s.end();
    await s.ended;
    // one reply per call; the dropped call never ran
    expect(s.replies.get('queued')).toHaveLength(1);
    expect(s.replies.get('hold-0')).toHaveLength(1);
    expect(x.stderr.some((l) => l.includes('started queued'))).toBe(false);
    expect(s.notices).not.toContain('queued');
    expect(s.notices).toContain('hold-1'); // held until the gate opened: its notice was sent first
  });

  it('lets a running plugin see that its call was cancelled, or timed out (request.cancelled)', async () => {
    const s = x.exe.open();
    const watcher = s.call({ requestId: 'watcher', plugin: 'chatty', query: 'lines=0&until_cancelled=1' });
    await until(() => x.stderr.some((l) => l.includes('started watcher')), 'the call to start');
    s.cancel('watcher');
    expect((await watcher).errorCode).toBe('CANCELLED');
    await until(() => x.stderr.some((l) => l.includes('saw cancellation watcher: True')), 'the plugin to see it');
    const late = await s.call({ requestId: 'late-watcher', plugin: 'chatty', query: 'lines=0&until_cancelled=1', deadlineMs: 300 });
    expect(late.response?.statusCode).toBe(504);
    await until(() => x.stderr.some((l) => l.includes('saw cancellation late-watcher: True')), 'the plugin to see its timeout');
    s.end();
  });

  it('returns what the plugin logged on its thread (bounded), over the stream and over ExecutePlugin', async () => {
    const s = x.exe.open();
    const r = await s.call({ requestId: 'logs', plugin: 'chatty', query: 'lines=1' });
    expect(r.response?.logs.map((l) => [l.level, l.message])).toEqual([['INFO', 'started logs'], ['INFO', 'line 0'], ['WARNING', 'from a logger of its own']]);
    expect(r.response?.logs.every((l) => l.atMs >= 0)).toBe(true);
    const many = await s.call({ requestId: 'many', plugin: 'chatty', query: 'lines=150&long=5000' });
    const logs = many.response?.logs ?? [];
    expect(logs).toHaveLength(100);
    expect(logs[99]).toMatchObject({ level: 'WARNING', message: '54 more log line(s) of this call left out (at most 100 are kept)' });
    const raised = await s.call({ requestId: 'raised', plugin: 'chatty', query: 'lines=0&long=5000&raise=1' });
    const long = raised.response?.logs.find((l) => l.level === 'ERROR' && l.message.startsWith('xxx'));
    expect(Buffer.byteLength(long?.message ?? '')).toBeLessThanOrEqual(2048);
    expect(long?.message.endsWith('…')).toBe(true);
    const traceback = raised.response?.logs.at(-1);
    expect(traceback?.level).toBe('ERROR');
    expect(traceback?.message).toMatch(/RuntimeError: chatty gave up$/);
    s.end();
    const unary = await x.exe.execute({ requestId: 'unary-logs', plugin: 'chatty', query: 'lines=0' });
    expect(unary.logs.map((l) => l.message)).toEqual(['started unary-logs', 'from a logger of its own']);
  });

  it('skips the signature check of a verified replay only', async () => {
    const s = x.exe.open();
    const body = Buffer.from('{"zen":"Keep it logically awesome."}');
    const headers = [{ name: 'X-GitHub-Event', value: 'ping' }];
    const unsigned = await s.call({ requestId: 'unsigned', plugin: 'github', body, headers });
    expect(unsigned.response?.statusCode).toBe(401);
    const replay = await s.call({ requestId: 'replay', plugin: 'github', body, headers, verifiedReplay: true });
    expect([replay.response?.statusCode, json(replay)]).toEqual([200, { ok: true, zen: 'Keep it logically awesome.' }]);
    const signed = { name: 'X-Hub-Signature-256', value: `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` };
    expect((await s.call({ requestId: 'signed', plugin: 'github', body, headers: [...headers, signed] })).response?.statusCode).toBe(200);
    s.end();
    expect((await x.exe.execute({ requestId: 'unary-replay', plugin: 'github', body, headers, verifiedReplay: true })).statusCode).toBe(200);
  });

  it('runs a short call on the stream\'s reader thread; a call taken over (past a tick) ends its reader, and its plugin then runs on pool workers', async () => {
    const s = x.exe.open();
    const thread = async (requestId: string, seconds = 0): Promise<string> => (json(await s.call({ requestId, plugin: 'whoami', query: `seconds=${seconds}` })) as { thread: string }).thread;
    expect(await thread('quick')).toMatch(/^stream-reader-\d+\.0$/);
    const slow = thread('slow', 0.3);
    await until(() => s.notices.includes('slow'), 'the started notice of the call taken over');
    expect(await thread('meanwhile')).toMatch(/^plugin-worker-/); // read by the next reader; its plugin is known slow now
    expect(await slow).toMatch(/^stream-reader-\d+\.0$/);
    s.end();
    expect((await s.ended).code).toBe(grpc.status.OK);
  });

  it('ends the stream once the client half-closes and its calls in flight are answered', async () => {
    const s = x.exe.open();
    const pending = s.call({ requestId: 'last', plugin: 'busy', query: 'seconds=1' });
    s.end();
    expect((await pending).response?.statusCode).toBe(200);
    expect((await s.ended).code).toBe(grpc.status.OK);
  });
});

describe('ExecuteStream under a burst (busy is not hung)', () => {
  it('300 concurrent long calls on 4 streams: in-band 503 + Retry-After for the excess, health answers, nothing killed', async () => {
    const x = await startExecutor(['--threads', '8', '--queue-size', '8', '--queue-timeout', '1', '--plugin-timeout', '30']);
    const streams = Array.from({ length: 4 }, () => x.exe.open());
    const g = gate(); // the 8 calls that get a thread hold it until the gate opens
    const calls = Array.from({ length: 300 }, (_, i) => streams[i % 4]!.call({ requestId: `c${i}`, plugin: 'chatty', query: g.query }));
    const settled: StreamReply[] = [];
    for (const c of calls) void c.then((r) => settled.push(r));
    await expect.poll(() => settled.length, { timeout: 30_000 }).toBe(300 - 8);
    const probes: string[] = [];
    for (let i = 0; i < 3; i++) {
      probes.push(await x.exe.servingStatus(3_000));
      probes.push((await x.exe.executorHealth(3_000)).status);
    }
    expect(probes).toEqual(Array(6).fill('SERVING'));
    expect(settled.length).toBe(300 - 8);
    g.open();
    const all = await Promise.all(calls);
    const byStatus: Record<string, number> = {};
    for (const r of all) byStatus[String(r.response?.statusCode ?? r.errorCode)] = (byStatus[String(r.response?.statusCode ?? r.errorCode)] ?? 0) + 1;
    expect(byStatus).toEqual({ 200: 8, 503: 292 });
    for (const r of all.filter((c) => c.response?.statusCode === 503)) {
      expect(r.started).toBe(false);
      expect(r.response?.headers).toEqual([{ name: 'Retry-After', value: '1' }]);
    }
    expect(x.child.exitCode).toBeNull();
    expect((await x.exe.executorHealth()).abandonedCalls).toBe(0);
    for (const s of streams) s.end();
  }, 60_000);

  it('refuses a stream over --max-streams with RESOURCE_EXHAUSTED', async () => {
    const x = await startExecutor(['--max-streams', '1']);
    const first = x.exe.open();
    expect((await first.call({ requestId: 'a', plugin: 'noop' })).response?.statusCode).toBe(200);
    const second = x.exe.open();
    void second.call({ requestId: 'b', plugin: 'noop' });
    expect((await second.ended).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    first.end();
  });
});

describe('stopping with streams open', () => {
  it('on SIGTERM ends an idle stream at once, answers the calls in flight, refuses new ones UNAVAILABLE, then exits 0', async () => {
    const x = await startExecutor(['--shutdown-grace', '60']);
    const exited = new Promise<number | null>((resolve) => x.child.on('exit', (code) => resolve(code)));
    const idle = x.exe.open();
    const busy = x.exe.open();
    expect((await idle.call({ requestId: 'warm', plugin: 'noop' })).response?.statusCode).toBe(200);
    const g = gate();
    const inFlight = busy.call({ requestId: 'in-flight', plugin: 'chatty', query: g.query });
    await until(() => x.stderr.some((l) => l.includes('started in-flight')), 'the call to start');
    x.child.kill('SIGTERM');
    expect((await idle.ended).code).toBe(grpc.status.OK);
    const refused = await busy.call({ requestId: 'too-late', plugin: 'noop' });
    expect([refused.errorCode, refused.errorMessage, refused.started]).toEqual(['UNAVAILABLE', 'the executor is stopping', false]);
    g.open();
    expect((await inFlight).response?.statusCode).toBe(200);
    expect((await busy.ended).code).toBe(grpc.status.OK);
    expect(await exited).toBe(0);
  }, 20_000);
});

describe('--no-inline', () => {
  it('hands every streamed call to a pool worker', async () => {
    const y = await startExecutor(['--no-inline']);
    const s = y.exe.open();
    const r = await s.call({ requestId: 'w', plugin: 'whoami' });
    expect((json(r) as { thread: string }).thread).toMatch(/^plugin-worker-/);
    s.end();
  });
});

describe('--no-stream (an executor of an older version)', () => {
  it('lists no capability, answers ExecuteStream UNIMPLEMENTED, and still serves ExecutePlugin', async () => {
    const x = await startExecutor(['--no-stream']);
    expect((await x.exe.executorHealth()).capabilities).toEqual([]);
    const s = x.exe.open();
    void s.call({ requestId: 'a', plugin: 'noop' });
    expect((await s.ended).code).toBe(grpc.status.UNIMPLEMENTED);
    expect((await x.exe.execute({ requestId: 'u', plugin: 'noop' })).statusCode).toBe(200);
  });
});
