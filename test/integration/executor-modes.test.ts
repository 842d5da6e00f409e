/**
 * Transports and modes with real executors: TCP when executor.port/host are set (a fixed port is
 * handed back after a live switch), external mode (the user runs the executor), and config edits
 * that restart or switch the executor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configYaml, makeVenv, pidAlive, RESOURCES, startCore, SYSTEM_PYTHON, tempDir, waitForStatus, waitUntil, type CoreWithExecutor } from '../helpers/executor.js';

let venvPython = '';
let venvDir = '';
const running: CoreWithExecutor[] = [];
const children: ChildProcess[] = [];

beforeAll(() => {
  venvDir = tempDir('wbx-venv-');
  venvPython = makeVenv(venvDir);
});

afterAll(() => rmSync(venvDir, { recursive: true, force: true }));

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function start(...args: Parameters<typeof startCore>): Promise<CoreWithExecutor> {
  const c = await startCore(...args);
  running.push(c);
  return c;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs an executor by hand on 127.0.0.1:port, as a user would for external mode. */
async function runExternal(port: number, token: string): Promise<ChildProcess> {
  const child = spawn(SYSTEM_PYTHON, [path.join(RESOURCES, 'python', 'webhook_bridge_executor'), '--port', String(port), '--plugin-dir', path.join(RESOURCES, 'plugins')], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', WEBHOOK_BRIDGE_EXECUTOR_TOKEN: token },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stderr?.resume();
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => line.startsWith('WEBHOOK_BRIDGE_EXECUTOR_READY') && resolve());
    child.once('exit', (code) => reject(new Error(`external executor exited with ${code}`)));
  });
  return child;
}

const noop = { plugin: 'noop', method: 'POST', path: '/', headers: {}, query: '', body: Buffer.from('{}'), contentType: 'application/json' };
const both = { system: { path: SYSTEM_PYTHON }, venv: { path: '' } };

describe('TCP transport', () => {
  it('uses loopback TCP on a free port when executor.host is set', async () => {
    const c = await start(configYaml({ interpreters: { ...both, venv: { path: venvPython } }, active: 'system', executor: { host: '127.0.0.1' } }));
    expect(c.executor.status().address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await c.executor.execute(noop)).status).toBe(200);
  });

  it('uses a fixed executor.port; during a live switch the new executor takes a free port, and a restart returns to the fixed one', async () => {
    const port = await freePort();
    const c = await start(configYaml({ interpreters: { ...both, venv: { path: venvPython } }, active: 'system', executor: { port } }));
    const first = c.executor.status();
    expect(first.address).toBe(`127.0.0.1:${port}`);
    await c.core.activation.activate('venv');
    const second = c.executor.status();
    expect(second.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(second.address).not.toBe(`127.0.0.1:${port}`);
    await waitUntil(() => !pidAlive(first.pid as number), 15_000, 'the first executor to exit');
    process.kill(second.pid as number, 'SIGKILL');
    const third = await waitForStatus(c, (s) => s.state === 'connected' && s.pid !== second.pid);
    expect(third.address).toBe(`127.0.0.1:${port}`);
  });
});

describe('external mode', () => {
  it('connects to an executor the user runs, spawns nothing, and says activation does not apply', async () => {
    const port = await freePort();
    const token = randomBytes(16).toString('hex');
    const ext = await runExternal(port, token);
    const c = await start(configYaml({ interpreters: { ...both, venv: { path: venvPython } }, active: 'system', executor: { mode: 'external', port } }), { requestWaitMs: 300, health: { intervalMs: 200, timeoutMs: 500, failuresToMark: 2 } }, { WEBHOOK_BRIDGE_EXECUTOR_TOKEN: token });
    expect(c.executor.status()).toMatchObject({ state: 'connected', mode: 'external', pid: ext.pid, address: `127.0.0.1:${port}`, interpreter: null });
    expect((await c.executor.execute(noop)).status).toBe(200);
    const act = await c.core.activation.activate('venv');
    expect(act.switched).toBe(false);
    expect(act.message).toMatch(/external.*does not apply/);
    expect(c.executor.status().pid).toBe(ext.pid);
    // the user's executor goes away, then comes back on the same port
    ext.kill('SIGKILL');
    await waitForStatus(c, (s) => s.state === 'reconnecting', 10_000, 'reconnecting');
    await expect(c.executor.execute(noop)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const again = await runExternal(port, token);
    const back = await waitForStatus(c, (s) => s.state === 'connected', 10_000, 'connected again');
    expect(back.pid).toBe(again.pid);
    expect((await c.executor.execute(noop)).status).toBe(200);
  });

  it('is failed with a clear message when the token is missing', async () => {
    const c = await start(configYaml({ interpreters: both, active: 'system', executor: { mode: 'external', port: 1 } }));
    expect(c.executor.status()).toMatchObject({ state: 'failed', last_error: expect.stringMatching(/WEBHOOK_BRIDGE_EXECUTOR_TOKEN/) });
  });
});

describe('configuration edits', () => {
  it('restarts on an executor setting change and switches when active_interpreter is edited', async () => {
    const c = await start(configYaml({ interpreters: { ...both, venv: { path: venvPython } }, active: 'system' }));
    const pid1 = c.executor.status().pid;
    await c.core.config.edit((doc) => doc.setIn(['executor', 'timeout'], 5));
    const s2 = await waitForStatus(c, (s) => s.state === 'connected' && s.pid !== pid1, 15_000, 'a restart');
    expect(s2.interpreter).toBe('system');
    await c.core.config.edit((doc) => doc.setIn(['python', 'active_interpreter'], 'venv'));
    const s3 = await waitForStatus(c, (s) => s.state === 'connected' && s.interpreter === 'venv', 15_000, 'the switch to venv');
    expect(s3.pid).not.toBe(s2.pid);
    // validation results are written to the entry: no restart for those
    await c.core.config.edit((doc) => doc.setIn(['python', 'interpreters', 'venv', 'validated'], true));
    expect(c.executor.status().pid).toBe(s3.pid);
  });

  it('swaps backends when executor.mode changes, stopping the spawned executor', async () => {
    const port = await freePort();
    const token = randomBytes(16).toString('hex');
    const ext = await runExternal(port, token);
    const c = await start(configYaml({ interpreters: both, active: 'system' }), {}, { WEBHOOK_BRIDGE_EXECUTOR_TOKEN: token });
    const spawned = c.executor.status().pid as number;
    await c.core.config.edit((doc) => {
      doc.setIn(['executor', 'mode'], 'external');
      doc.setIn(['executor', 'port'], port);
    });
    const s = await waitForStatus(c, (x) => x.mode === 'external' && x.state === 'connected', 15_000, 'external mode');
    expect(s.pid).toBe(ext.pid);
    await waitUntil(() => !pidAlive(spawned), 10_000, 'the spawned executor to stop');
    expect((await c.executor.execute(noop)).status).toBe(200);
    await c.core.config.edit((doc) => {
      doc.setIn(['executor', 'mode'], 'spawn');
      doc.deleteIn(['executor', 'port']);
    });
    const back = await waitForStatus(c, (x) => x.mode === 'spawn' && x.state === 'connected', 15_000, 'spawn mode');
    expect(back.address).toMatch(/^unix:/);
    expect(back.pid).not.toBe(ext.pid);
    expect(pidAlive(ext.pid as number)).toBe(true); // not ours to stop
  });
});
