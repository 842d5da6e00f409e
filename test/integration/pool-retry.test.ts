/**
 * A call one pool process refuses before the plugin started (it is stopping: SIGTERM, and the pool
 * has not noticed yet) goes once to another ready process, over streams (a StreamReply
 * `UNAVAILABLE`, `started=false`) and over unary calls (refused before the rpc ran). A call that
 * may have run is never sent again. Real pool of 2 Python executors; the health monitor is slowed
 * down so that it does not take the stopping process out of the pool before the calls reach it
 * (the window between a process starting to stop and the app noticing, made wide).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor } from '../../electron/core/services.js';
import { configYaml, pidAlive, startCore, SYSTEM_PYTHON, waitUntil, type CoreWithExecutor } from '../helpers/executor.js';

const running: CoreWithExecutor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

interface Answer {
  status: number;
  pid: number | null;
  body: string;
}

async function whoami(executor: Executor, seconds = 0): Promise<Answer> {
  try {
    const res = await executor.execute({ plugin: 'whoami', method: 'GET', path: '/api/v1/webhook/whoami', headers: {}, query: `seconds=${seconds}`, body: Buffer.alloc(0), contentType: '' });
    const body = res.body.toString();
    return { status: res.status, pid: res.status === 200 ? (JSON.parse(body) as { pid: number }).pid : null, body };
  } catch (err) {
    return { status: -1, pid: null, body: (err as Error).message };
  }
}

async function chatty(executor: Executor, seconds: number): Promise<Answer> {
  try {
    const res = await executor.execute({ plugin: 'chatty', method: 'POST', path: '/api/v1/webhook/chatty', headers: {}, query: `lines=0&seconds=${seconds}`, body: Buffer.alloc(0), contentType: '' });
    return { status: res.status, pid: null, body: res.body.toString() };
  } catch (err) {
    return { status: -1, pid: null, body: (err as Error).message };
  }
}

describe.each([
  ['streams', 4],
  ['unary calls', 0],
])('a pool process that refuses calls before they start (%s)', (_name, executeStreams) => {
  it('sends each refused call once to the other process: every call answers 200 there', async () => {
    const c = await startCore(
      configYaml({ interpreters: { system: { path: SYSTEM_PYTHON } }, active: 'system', executor: { workers: 2 } }),
      { executeStreams, health: { intervalMs: 60_000, timeoutMs: 1_500, failuresToMark: 2 } },
    );
    running.push(c);
    const pids = c.executor.status().pool.processes.map((p) => p.pid);
    const [victim, survivor] = pids as [number, number];
    expect(pids.every((p) => p !== null && pidAlive(p))).toBe(true);
    // one slow call running on each process (its plugin started): equal load, so the next calls
    // alternate between the two, and the victim's streams stay open while it stops (a stopping
    // executor lets the calls running finish, up to its shutdown grace)
    const slow = [chatty(c.executor, 6), chatty(c.executor, 6)];
    await waitUntil(() => c.logs.filter((e) => e.message.includes('plugin.chatty: started')).length === 2, 15_000, 'a slow call running on each process');
    expect(c.executor.status().pool.processes.map((p) => p.in_flight)).toEqual([1, 1]);
    process.kill(victim, 'SIGTERM');
    await waitUntil(() => c.logs.some((e) => e.message.includes(`stopping (SIGTERM)`)), 10_000, 'the victim to start stopping');
    const quick = await Promise.all(Array.from({ length: 12 }, () => whoami(c.executor)));
    expect(quick.map((a) => [a.status, a.pid === survivor ? 'survivor' : a.pid === victim ? 'victim' : a.body])).toEqual(quick.map(() => [200, 'survivor']));
    // the slow call on the survivor was not disturbed; the victim's had started, so it is never sent again
    const done = await Promise.all(slow);
    expect(done.filter((x) => x.status === 200)).toHaveLength(1);
    expect(done.filter((x) => x.status !== 200)).toHaveLength(1);
    expect(c.logs.filter((e) => e.message.includes('plugin.chatty: started'))).toHaveLength(2);
  });
});
