/**
 * An interpreter whose executor dies at start (a wrapper script standing in for the interpreter;
 * it logs each spawn to a file, so spawns are counted from outside the app).
 *
 * - exits 1 after writing to stderr: retried with backoff, `failed` once the failures exceed
 *   executor.max_restarts (so 1 + max_restarts spawns), then no more spawns; the last stderr lines
 *   are in the connection status; POST /api/dashboard/connection/reconnect resets it (it spawns
 *   again, the same number of times), and once the interpreter is fixed a reconnect serves.
 * - execs python with a bad flag (Python's usage error, exit 2): a permanent failure, `failed` at the
 *   first spawn, its stderr (`unknown option`) reported.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import { executorProcesses, sleep, waitFor } from '../helpers/chaos.js';
import { removePrivateTmpDir, report, startChaosBridge, SYSTEM_PYTHON, type ChaosBridge } from './support.js';

const MAX_RESTARTS = 3;
const QUIET_MS = 3_000;
let b: ChaosBridge | undefined;
afterEach(async () => {
  await b?.stop();
  b = undefined;
});
afterAll(() => removePrivateTmpDir());

function wrapper(dir: string, body: string): string {
  const file = path.join(dir, 'python-wrapper.sh');
  writeFileSync(file, `#!/bin/sh\necho $$ >> "${path.join(dir, 'spawns.log')}"\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}
const CRASHING = 'echo "chaos: simulated crash at start, step 1" >&2\necho "chaos: the interpreter gave up (exit 1)" >&2\nexit 1';

function spawns(dir: string): number {
  try {
    return readFileSync(path.join(dir, 'spawns.log'), 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

describe.skipIf(process.platform !== 'linux')('an executor that dies at start', () => {
  it(`exit 1: failed after 1 + executor.max_restarts (${MAX_RESTARTS}) spawns, then none; stderr reported; reconnect resets it`, async () => {
    let wrapperFile = '';
    b = await startChaosBridge({
      interpreters: (dir) => ({ crashy: { path: (wrapperFile = wrapper(dir, CRASHING)) } }),
      active: 'crashy',
      executor: { max_restarts: MAX_RESTARTS, restart_window: 60 },
    });
    const bridge = b;
    const status = async (): Promise<ConnectionStatus> => (await bridge.api('GET', '/api/dashboard/connection')).json as ConnectionStatus;
    await waitFor(() => bridge.status().state === 'failed', 15_000, 'failed');
    const failed = await status();
    expect(failed).toMatchObject({ state: 'failed', pid: null, restarts: MAX_RESTARTS });
    expect(spawns(bridge.dir)).toBe(MAX_RESTARTS + 1);
    expect(failed.last_error).toMatch(new RegExp(`gave up after ${MAX_RESTARTS + 1} failures within 60 s \\(executor.max_restarts is ${MAX_RESTARTS}\\)`));
    expect(failed.last_error).toMatch(/exited with code 1 before it was ready: chaos: simulated crash at start, step 1 \| chaos: the interpreter gave up \(exit 1\)/);
    expect(failed.stderr_tail.slice(-2)).toEqual(['chaos: simulated crash at start, step 1', 'chaos: the interpreter gave up (exit 1)']);
    const health = (await (await fetch(`${bridge.url}/health`)).json()) as { status: string; executor: { state: string; serving: boolean } };
    expect(health).toMatchObject({ status: 'degraded', executor: { state: 'failed', serving: false } });
    // a webhook now fails at once (no wait for an executor that will not come)
    const t0 = performance.now();
    const hook = await fetch(`${bridge.url}/api/v1/webhook/noop`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(hook.status).toBe(503);
    expect(hook.headers.get('retry-after')).toBe('1');
    expect(performance.now() - t0).toBeLessThan(1_000);

    // no more spawns while failed
    await sleep(QUIET_MS);
    expect(spawns(bridge.dir)).toBe(MAX_RESTARTS + 1);
    expect(bridge.status().state).toBe('failed');

    // reconnect resets the failure budget: the same number of spawns again, then failed again
    const r = await bridge.api('POST', '/api/dashboard/connection/reconnect');
    expect(r.status).toBe(200);
    await waitFor(() => spawns(bridge.dir) === 2 * (MAX_RESTARTS + 1) && bridge.status().state === 'failed', 15_000, 'the second round of spawns');
    await sleep(1_000);
    expect(spawns(bridge.dir)).toBe(2 * (MAX_RESTARTS + 1));

    // fixed interpreter + reconnect: serving
    writeFileSync(wrapperFile, `#!/bin/sh\necho $$ >> "${path.join(bridge.dir, 'spawns.log')}"\nexec ${SYSTEM_PYTHON} "$@"\n`);
    const back = await bridge.api('POST', '/api/dashboard/connection/reconnect');
    expect(back.status).toBe(200);
    expect(back.json).toMatchObject({ state: 'connected', interpreter: 'crashy' });
    const ok = await fetch(`${bridge.url}/api/v1/webhook/noop`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
    expect(executorProcesses(bridge.marker)).toHaveLength(1);
    report('executor dies at start (exit 1)', null, { spawns: spawns(bridge.dir), 'spawns per round': MAX_RESTARTS + 1, 'extra spawns while failed': 0, 'after fix': 'connected' });
  });

  it('a bad interpreter flag (exit 2): failed at the first spawn, stderr reported, no retries', async () => {
    b = await startChaosBridge({
      interpreters: (dir) => ({ badflag: { path: wrapper(dir, `exec ${SYSTEM_PYTHON} --definitely-not-a-flag "$@"`) } }),
      active: 'badflag',
      executor: { max_restarts: MAX_RESTARTS, restart_window: 60 },
    });
    const bridge = b;
    const s = (await bridge.api('GET', '/api/dashboard/connection')).json as ConnectionStatus;
    expect(s).toMatchObject({ state: 'failed', restarts: 0, pid: null });
    expect(s.last_error).toMatch(/exited with code 2 before it was ready/);
    expect(s.stderr_tail.join('\n')).toMatch(/unknown option --definitely-not-a-flag/);
    await sleep(QUIET_MS);
    expect(spawns(bridge.dir)).toBe(1);
    const r = await bridge.api('POST', '/api/dashboard/connection/reconnect');
    expect(r.json).toMatchObject({ state: 'failed' });
    expect(spawns(bridge.dir)).toBe(2);
    report('executor dies at start (bad flag, exit 2)', null, { spawns: spawns(bridge.dir), 'stderr tail': s.stderr_tail.slice(-1) });
  });
});
