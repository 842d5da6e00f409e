/**
 * The supervisor and the connection manager with real executors: Debian's python3, a
 * --system-site-packages venv of it, and a pyenv Python without grpc.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import { AppError } from '../../electron/core/app-error.js';
import {
  configYaml,
  load,
  makeVenv,
  pidAlive,
  pythonWithoutGrpc,
  startCore,
  SYSTEM_PYTHON,
  tempDir,
  waitForStatus,
  waitUntil,
  type CoreWithExecutor,
} from '../helpers/executor.js';

const NO_GRPC = pythonWithoutGrpc();
let venvPython = '';
let venvDir = '';
const running: CoreWithExecutor[] = [];

beforeAll(() => {
  venvDir = tempDir('wbx-venv-');
  venvPython = makeVenv(venvDir);
});

afterAll(() => rmSync(venvDir, { recursive: true, force: true }));

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

async function start(...args: Parameters<typeof startCore>): Promise<CoreWithExecutor> {
  const c = await startCore(...args);
  running.push(c);
  return c;
}

const both = (): Parameters<typeof configYaml>[0]['interpreters'] => ({ system: { path: SYSTEM_PYTHON }, venv: { path: venvPython } });

describe('executor under real interpreters', () => {
  it("runs under Debian's python3 and answers webhooks", async () => {
    const c = await start(configYaml({ interpreters: both(), active: 'system' }));
    const s = c.executor.status();
    expect(s).toMatchObject({ state: 'connected', mode: 'spawn', interpreter: 'system', interpreter_path: SYSTEM_PYTHON, generation: 1, restarts: 0 });
    expect(s.address).toMatch(/^unix:\/.*executor\.sock$/);
    expect(pidAlive(s.pid as number)).toBe(true);
    const res = await c.executor.execute({ plugin: 'echo', method: 'POST', path: '/x', headers: { 'content-type': 'application/json' }, query: 'a=1', body: Buffer.from('{"deep":{"list":[1,{"x":null}]}}'), contentType: 'application/json' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toMatchObject({ body: { deep: { list: [1, { x: null }] } }, query: { a: ['1'] } });
    expect(c.executor.status().requests).toMatchObject({ total: 1, failed: 0, in_flight: 0 });
    expect(c.executor.readiness()).toEqual({ state: 'connected', serving: true, interpreter: 'system' });
  });

  it('runs under a --system-site-packages venv with VIRTUAL_ENV set, and passes the environment without logging secrets', async () => {
    const c = await start(configYaml({ interpreters: { venv: { path: venvPython, environment: { API_TOKEN: 'tok-very-secret-123', PLAIN: 'visible' } } }, active: 'venv' }));
    expect(c.executor.status()).toMatchObject({ state: 'connected', interpreter: 'venv' });
    const t = await c.executor.test();
    expect(t.ok).toBe(true);
    expect(t.executor.executable).toBe(venvPython);
    const env = readFileSync(`/proc/${c.executor.status().pid}/environ`, 'utf8').split('\0');
    expect(env).toContain(`VIRTUAL_ENV=${venvPython.replace(/\/bin\/python3$/, '')}`);
    expect(env).toContain('PYTHONUNBUFFERED=1');
    expect(env).toContain('API_TOKEN=tok-very-secret-123');
    c.core.logger.info('the value is tok-very-secret-123');
    expect(c.logs.map((l) => l.message).join('\n')).not.toContain('tok-very-secret-123');
    const cmdline = readFileSync(`/proc/${c.executor.status().pid}/cmdline`, 'utf8');
    expect(cmdline).not.toMatch(/token|nonce/i);
  });

  it('switches between interpreters while requests run, without a failed request', async () => {
    const c = await start(configYaml({ interpreters: both(), active: 'system' }));
    const events: ConnectionStatus[] = [];
    c.core.events.on('connectionChanged', (s) => events.push(s));
    const firstPid = c.executor.status().pid as number;
    const traffic = load(c.executor, 8);
    const pids: number[] = [firstPid];
    for (const name of ['venv', 'system', 'venv']) {
      const r = await c.core.activation.activate(name);
      expect(r).toMatchObject({ active: name, switched: true });
      const s = c.executor.status();
      expect(s).toMatchObject({ state: 'connected', interpreter: name });
      pids.push(s.pid as number);
    }
    const result = await traffic.stop();
    expect(result.errors).toEqual([]);
    expect(result.ok).toBeGreaterThan(0);
    expect(new Set(pids).size).toBe(4);
    // the old executors were drained and stopped
    await waitUntil(() => pids.slice(0, 3).every((p) => !pidAlive(p)), 15_000, 'the old executors to exit');
    expect(c.executor.status().generation).toBe(4); // three switches, no extra restart after each activation
    expect(c.core.config.settings.python.active_interpreter).toBe('venv');
    const revisions = events.map((e) => e.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(events.some((e) => e.switching_to === 'venv')).toBe(true);
  });

  it('restarts an executor killed with SIGKILL (new pid, restart counted)', async () => {
    const c = await start(configYaml({ interpreters: both(), active: 'system' }));
    const pid = c.executor.status().pid as number;
    process.kill(pid, 'SIGKILL');
    const s = await waitForStatus(c, (x) => x.state === 'connected' && x.pid !== pid, 15_000, 'a new executor');
    expect(s.restarts).toBe(1);
    expect(s.generation).toBe(2);
    expect(s.last_error).toMatch(/killed by SIGKILL/);
    const res = await c.executor.execute({ plugin: 'noop', method: 'GET', path: '/', headers: {}, query: '', body: Buffer.alloc(0), contentType: '' });
    expect(res.status).toBe(200);
  });

  it('a webhook sent while the executor restarts waits for it instead of failing', async () => {
    const c = await start(configYaml({ interpreters: both(), active: 'system' }));
    const pid = c.executor.status().pid as number;
    process.kill(pid, 'SIGKILL');
    await waitForStatus(c, (x) => x.state === 'reconnecting', 5_000, 'reconnecting');
    const res = await c.executor.execute({ plugin: 'noop', method: 'GET', path: '/', headers: {}, query: '', body: Buffer.alloc(0), contentType: '' });
    expect(res.status).toBe(200);
    expect(c.executor.status().pid).not.toBe(pid);
  });

  it('replaces a hung executor (SIGSTOP) once its health probes time out', async () => {
    const c = await start(configYaml({ interpreters: both(), active: 'system' }), { health: { intervalMs: 300, timeoutMs: 600, failuresToMark: 2 } });
    const pid = c.executor.status().pid as number;
    process.kill(pid, 'SIGSTOP');
    try {
      const s = await waitForStatus(c, (x) => x.state === 'connected' && x.pid !== pid, 20_000, 'a replacement');
      expect(s.last_error).toMatch(/stopped answering/);
      expect(pidAlive(pid)).toBe(false);
    } finally {
      if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('gives up after executor.max_restarts failures in the window, until a reconnect', async () => {
    const c = await start(configYaml({ interpreters: both(), active: 'system', executor: { max_restarts: 1, restart_window: 60 } }));
    const first = c.executor.status().pid as number;
    process.kill(first, 'SIGKILL');
    const second = (await waitForStatus(c, (x) => x.state === 'connected' && x.pid !== first)).pid as number;
    process.kill(second, 'SIGKILL');
    const failed = await waitForStatus(c, (x) => x.state === 'failed', 10_000, 'failed');
    expect(failed.last_error).toMatch(/gave up after 2 failures/);
    expect(failed.pid).toBeNull();
    expect(c.executor.readiness().serving).toBe(false);
    await expect(c.executor.execute({ plugin: 'noop', method: 'GET', path: '/', headers: {}, query: '', body: Buffer.alloc(0), contentType: '' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const back = await c.core.activation.reconnect();
    expect(back).toMatchObject({ state: 'connected', interpreter: 'system' });
  });

  it('is failed at once when the interpreter file cannot be run', async () => {
    const c = await start(configYaml({ interpreters: { gone: { path: '/nonexistent/bin/python3' }, system: { path: SYSTEM_PYTHON } }, active: 'gone' }));
    expect(c.executor.status()).toMatchObject({ state: 'failed', restarts: 0, pid: null, last_error: expect.stringMatching(/could not be run \(ENOENT\)/) });
  });

  it('leaves no process behind after stop', async () => {
    const c = await start(configYaml({ interpreters: both(), active: 'system' }));
    const pid = c.executor.status().pid as number;
    await c.core.activation.activate('venv');
    const pid2 = c.executor.status().pid as number;
    await c.stop();
    expect(pidAlive(pid)).toBe(false);
    expect(pidAlive(pid2)).toBe(false);
    expect(c.executor.status().state).toBe('disconnected');
  });
});

describe.skipIf(NO_GRPC === null)('an interpreter without grpc', () => {
  it('fails to activate with the missing module in the message; the old executor keeps serving and stays active', async () => {
    const c = await start(configYaml({ interpreters: { ...both(), bare: { path: NO_GRPC as string } }, active: 'system' }));
    const pid = c.executor.status().pid as number;
    const traffic = load(c.executor, 4);
    const err: unknown = await c.core.activation.activate('bare').catch((e: unknown) => e);
    const result = await traffic.stop();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFLICT');
    expect((err as AppError).message).toMatch(/missing Python module 'grpc'/);
    expect(result.errors).toEqual([]);
    expect(c.executor.status()).toMatchObject({ state: 'connected', pid, interpreter: 'system' });
    expect(c.executor.status().last_error).toMatch(/grpc/);
    expect(c.core.registry.activeName()).toBe('system');
    expect(readFileSync(c.configFile, 'utf8')).not.toMatch(/active_interpreter: bare/);
  });

  it('starts `failed` (no restart loop) when the active interpreter lacks grpc; reconnecting to a good one recovers', async () => {
    const c = await start(configYaml({ interpreters: { ...both(), bare: { path: NO_GRPC as string } }, active: 'bare' }));
    const s = c.executor.status();
    expect(s.state).toBe('failed');
    expect(s.last_error).toMatch(/missing Python module 'grpc'/);
    expect(s.stderr_tail.join('\n')).toMatch(/grpc/);
    expect(s.restarts).toBe(0);
    expect(c.executor.readiness()).toEqual({ state: 'failed', serving: false, interpreter: 'bare' });
    const t = await c.executor.test();
    expect(t).toMatchObject({ ok: false, status: 'UNREACHABLE' });
    const back = await c.core.activation.reconnect('system');
    expect(back).toMatchObject({ state: 'connected', interpreter: 'system' });
    expect(c.core.registry.activeName()).toBe('system');
  });
});
