/**
 * An interpreter per plugin (issue 14 item 4), with real executors: Debian's python3 is the active
 * interpreter, a venv of it (`--system-site-packages`, so it sees grpc) is the second one, and a
 * module only that venv has stands for numpy. A plugin bound to the venv answers from the venv's
 * executor (its `sys.executable`) while the others answer from the active one; the binding survives
 * activations; the bound executor stops when idle, restarts after a crash or on the next call, and
 * stops with the app; a bound interpreter cannot be removed; a broken one answers 503 naming both.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, promises as fs, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginInfo, PluginList } from '../../shared/dto/plugins.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { makeVenv, pidAlive, SYSTEM_PYTHON, tempDir, waitUntil } from '../helpers/executor.js';

const WHOAMI = `"""Answers with the interpreter and process that ran it."""
import os, sys
from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
    def get(self, request):
        return {"executable": sys.executable, "pid": os.getpid()}

    post = get
`;
const NEEDS_VENV = `"""Imports a module only the venv has (as a plugin would import numpy)."""
import wbx_only_in_venv
from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
    def get(self, request):
        return {"answer": wbx_only_in_venv.ANSWER}
`;

interface Who {
  executable: string;
  pid: number;
}

describe('an interpreter per plugin', () => {
  let b: TestBridge;
  let dir = '';
  let venvPython = '';

  const who = async (plugin: string): Promise<Who> => {
    const res = await b.request('GET', `/api/v1/webhook/${plugin}`, { auth: false });
    expect(res.status, res.text).toBe(200);
    return res.json as Who;
  };
  const list = async (): Promise<Record<string, PluginInfo>> => {
    const res = await b.request('GET', '/api/v1/plugins', { auth: false });
    expect(res.status, res.text).toBe(200);
    return Object.fromEntries((res.json as PluginList).plugins.map((p) => [p.name, p]));
  };
  const editConfig = (mutate: (doc: import('yaml').Document) => void): Promise<void> => b.bridge.core.config.edit(mutate);

  beforeAll(async () => {
    dir = tempDir('wbx-perplugin-');
    venvPython = makeVenv(dir);
    const site = execFileSync(venvPython, ['-c', "import sysconfig; print(sysconfig.get_paths()['purelib'])"], { encoding: 'utf8' }).trim();
    writeFileSync(path.join(site, 'wbx_only_in_venv.py'), 'ANSWER = 42\n');
    const plugins = path.join(dir, 'plugins');
    mkdirSync(plugins);
    for (const name of ['whoami', 'other']) writeFileSync(path.join(plugins, `${name}.py`), WHOAMI);
    writeFileSync(path.join(plugins, 'needsvenv.py'), NEEDS_VENV);
    const config = {
      python: { interpreters: { system: { path: SYSTEM_PYTHON }, system2: { path: SYSTEM_PYTHON }, venv: { path: venvPython } }, active_interpreter: 'system' },
      executor: { max_restarts: 5, restart_window: 60 },
      plugins: { dirs: [plugins], settings: { whoami: { interpreter: 'venv' }, needsvenv: { interpreter: 'venv' } } },
      logging: { level: 'info' },
    };
    b = await startTestBridge({ configText: JSON.stringify(config) });
    expect(b.bridge.core.executor.status()).toMatchObject({ state: 'connected', interpreter: 'system' });
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a bound plugin under its interpreter and the others under the active one', async () => {
    const bound = await who('whoami');
    const other = await who('other');
    expect(bound.executable).toBe(venvPython);
    expect(other.executable).toBe(SYSTEM_PYTHON);
    expect(other.pid).toBe(b.bridge.core.executor.status().pid);
    expect(bound.pid).not.toBe(other.pid);
    // the same executor answers the next call
    expect((await who('whoami')).pid).toBe(bound.pid);
    const res = await b.request('GET', '/api/v1/webhook/needsvenv', { auth: false });
    expect(res.json).toEqual({ answer: 42 });
  });

  it('lists a bound plugin from its own interpreter, with the binding', async () => {
    const plugins = await list();
    expect(plugins['needsvenv']).toMatchObject({ available: true, interpreter: 'venv', missing: null });
    expect(plugins['whoami']).toMatchObject({ available: true, interpreter: 'venv' });
    expect(plugins['other']).toMatchObject({ available: true, interpreter: null });
    const one = await b.request('GET', '/api/v1/plugins/needsvenv', { auth: false });
    expect(one.json).toMatchObject({ name: 'needsvenv', available: true, interpreter: 'venv' });
  });

  it('keeps a bound plugin on its interpreter across activations', async () => {
    const bound = await who('whoami');
    const before = await who('other');
    const act = await b.request('POST', '/api/dashboard/interpreters/system2/activate');
    expect(act.status, act.text).toBe(200);
    const after = await who('other');
    expect(after.pid).not.toBe(before.pid);
    expect(after.pid).toBe(b.bridge.core.executor.status().pid);
    expect(await who('whoami')).toEqual(bound);
    expect((await b.request('POST', '/api/dashboard/interpreters/system/activate')).status).toBe(200);
    expect(await who('whoami')).toEqual(bound);
  });

  it('runs one call under a named interpreter (a replay)', async () => {
    const req = { plugin: 'other', method: 'GET', path: '/api/v1/webhook/other', headers: {}, query: '', body: Buffer.alloc(0), contentType: '' };
    const res = await b.bridge.core.executor.execute(req, { interpreter: 'venv' });
    expect((JSON.parse(res.body.toString()) as Who).executable).toBe(venvPython);
    const plain = await b.bridge.core.executor.execute(req);
    expect((JSON.parse(plain.body.toString()) as Who).executable).toBe(SYSTEM_PYTHON);
  });

  it('restarts a crashed bound executor', async () => {
    const { pid } = await who('whoami');
    process.kill(pid, 'SIGKILL');
    await waitUntil(() => !pidAlive(pid), 10_000, 'the killed executor to exit');
    const again = await who('whoami');
    expect(again.executable).toBe(venvPython);
    expect(again.pid).not.toBe(pid);
  });

  it('sets and clears a binding through the API', async () => {
    const set = await b.request('PUT', '/api/dashboard/plugins/other/interpreter', { body: { interpreter: 'venv' } });
    expect(set.status, set.text).toBe(200);
    expect(set.json).toEqual({ name: 'other', interpreter: 'venv' });
    expect(await fs.readFile(b.configFile, 'utf8')).toContain('other');
    expect((await who('other')).executable).toBe(venvPython);
    const cleared = await b.request('DELETE', '/api/dashboard/plugins/other/interpreter');
    expect(cleared.json).toEqual({ name: 'other', interpreter: null });
    expect((await who('other')).executable).toBe(SYSTEM_PYTHON);
    const unknown = await b.request('PUT', '/api/dashboard/plugins/other/interpreter', { body: { interpreter: 'nope' } });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain("'nope'");
  });

  it('refuses to remove an interpreter a plugin is bound to, naming the plugins', async () => {
    const res = await b.request('DELETE', '/api/dashboard/interpreters/venv');
    expect(res.status).toBe(409);
    const msg = (res.json as { error: { message: string } }).error.message;
    expect(msg).toContain("'needsvenv'");
    expect(msg).toContain("'whoami'");
    expect(b.bridge.core.registry.has('venv')).toBe(true);
  });

  it('answers 503 naming the plugin and the interpreter when the bound interpreter is broken', async () => {
    await editConfig((doc) => {
      doc.setIn(['python', 'interpreters', 'gone'], doc.createNode({ path: path.join(dir, 'no-such-python') }));
      doc.setIn(['plugins', 'settings', 'other', 'interpreter'], 'gone');
    });
    const res = await b.request('GET', '/api/v1/webhook/other', { auth: false });
    expect(res.status).toBe(503);
    const msg = (res.json as { error: { message: string } }).error.message;
    expect(msg).toContain("plugin 'other'");
    expect(msg).toContain("interpreter 'gone'");
    const listed = (await list())['other'];
    expect(listed).toMatchObject({ available: false, interpreter: 'gone' });
    expect(listed?.error).toContain("'gone'");
    await b.bridge.core.bindPlugin('other', null);
    expect((await who('other')).executable).toBe(SYSTEM_PYTHON);
  });

  it('stops an idle bound executor and starts it again on the next call', async () => {
    await editConfig((doc) => doc.setIn(['executor', 'bound_idle_seconds'], 0));
    const first = await who('whoami');
    await waitUntil(() => !pidAlive(first.pid), 15_000, 'the idle bound executor to stop');
    const next = await who('whoami');
    expect(next.executable).toBe(venvPython);
    expect(next.pid).not.toBe(first.pid);
    await editConfig((doc) => doc.deleteIn(['executor', 'bound_idle_seconds']));
  });

  it('stops the bound executor when its binding is removed', async () => {
    const { pid } = await who('needsvenv').then(() => who('whoami'));
    await b.bridge.core.bindPlugin('whoami', null);
    await b.bridge.core.bindPlugin('needsvenv', null);
    await waitUntil(() => !pidAlive(pid), 15_000, 'the unbound executor to stop');
    expect((await who('whoami')).executable).toBe(SYSTEM_PYTHON);
    await b.bridge.core.bindPlugin('whoami', 'venv');
  });

  it('leaves no bound executor behind when the app stops', async () => {
    const bound = await who('whoami');
    const active = b.bridge.core.executor.status().pid;
    expect(bound.executable).toBe(venvPython);
    await b.stop();
    expect(pidAlive(bound.pid)).toBe(false);
    expect(active !== null && pidAlive(active)).toBe(false);
  });
});
