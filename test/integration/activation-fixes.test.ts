/**
 * The activation fixes of issue 11, each against a real executor under Debian's python3:
 * WEBHOOK_BRIDGE_ACTIVE_INTERPRETER pins the active interpreter (409 that says the override wins,
 * the list says who pins it), the interpreter the executor runs cannot be removed, a name that
 * matches no entry is an error naming the key and the value (never the legacy `default`),
 * re-activating the active one changes nothing and says so, and a reconnect that works clears
 * "Last error".
 */
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import type { Health } from '../../shared/dto/config.js';
import type { InterpreterList } from '../../shared/dto/interpreters.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { configYaml, makeVenv, SYSTEM_PYTHON, tempDir } from '../helpers/executor.js';

const PIN = 'WEBHOOK_BRIDGE_ACTIVE_INTERPRETER';
let b: TestBridge | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await b?.stop();
  b = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function bridge(configText: string, env: Record<string, string> = {}): Promise<TestBridge> {
  b = await startTestBridge({ configText, env });
  return b;
}

function twoInterpreters(active: string): string {
  const dir = tempDir('wbx-fix-');
  dirs.push(dir);
  return configYaml({ interpreters: { system: { path: SYSTEM_PYTHON }, venv: { path: makeVenv(dir) } }, active });
}

/** Resolves with the first connection status (now or pushed later) that satisfies `pred`. */
function statusWhere(t: TestBridge, pred: (s: ConnectionStatus) => boolean): Promise<ConnectionStatus> {
  return new Promise((resolve) => {
    const now = t.bridge.core.executor.status();
    if (pred(now)) return resolve(now);
    const sub = t.bridge.core.events.on('connectionChanged', (s) => {
      if (!pred(s)) return;
      sub.dispose();
      resolve(s);
    });
  });
}

describe('WEBHOOK_BRIDGE_ACTIVE_INTERPRETER pins the active interpreter', () => {
  it('runs the pinned one, says so in the list, refuses another with 409 that says the override wins, and keeps it from removal', async () => {
    const t = await bridge(twoInterpreters('system'), { [PIN]: 'venv' });
    const list = (await t.request('GET', '/api/dashboard/interpreters')).json as InterpreterList;
    expect(list).toMatchObject({ active: 'venv', pinned_by: PIN, active_error: null });
    expect(t.bridge.core.executor.status()).toMatchObject({ state: 'connected', interpreter: 'venv' });
    const pid = t.bridge.core.executor.status().pid;

    const refused = await t.request('POST', '/api/dashboard/interpreters/system/activate');
    expect(refused.status).toBe(409);
    expect((refused.json as { error: { message: string } }).error.message).toContain(`${PIN} is set to 'venv' and pins the active interpreter`);
    expect((refused.json as { error: { message: string } }).error.message).toContain('the override wins');
    // the same answer through reconnect({interpreter}) and PATCH /config
    expect((await t.request('POST', '/api/dashboard/connection/reconnect', { body: { interpreter: 'system' } })).status).toBe(409);
    expect((await t.request('PATCH', '/api/dashboard/config', { body: { active_interpreter: 'system' } })).status).toBe(409);

    // nothing moved: the list, the executor and the file agree
    const after = (await t.request('GET', '/api/dashboard/interpreters')).json as InterpreterList;
    expect(after.active).toBe('venv');
    expect(t.bridge.core.executor.status()).toMatchObject({ interpreter: 'venv', pid });
    expect(readFileSync(t.configFile, 'utf8')).toMatch(/active_interpreter"?\s*:\s*"?system/);

    // the running (pinned) one cannot be removed
    const removal = await t.request('DELETE', '/api/dashboard/interpreters/venv');
    expect(removal.status).toBe(409);
    expect((await t.request('GET', '/api/dashboard/interpreters')).json).toMatchObject({ active: 'venv' });
  });
});

describe('a name that matches no entry', () => {
  const legacyAndNamed = (active: string): string =>
    JSON.stringify({
      python: { interpreter: SYSTEM_PYTHON, interpreters: { work: { path: SYSTEM_PYTHON, environment: { WORK_MODE: 'on' } } }, active_interpreter: active },
      plugins: { dirs: [] },
    });

  it('in WEBHOOK_BRIDGE_ACTIVE_INTERPRETER: an error naming the variable and the value, not the legacy default', async () => {
    const t = await bridge(legacyAndNamed('work'), { [PIN]: 'wrok' });
    const list = (await t.request('GET', '/api/dashboard/interpreters')).json as InterpreterList;
    expect(list.active).toBeNull();
    expect(list.active_error).toBe(`${PIN} is 'wrok', which matches no configured interpreter (configured: 'default', 'work')`);
    const status = t.bridge.core.executor.status();
    expect(status.state).toBe('failed');
    expect(status.last_error).toContain(`${PIN} is 'wrok'`);
    const health = await t.request('GET', '/health', { auth: false });
    expect(health.status).toBe(503);
    expect((health.json as Health).executor).toEqual({ state: 'failed', serving: false, interpreter: null });
  });

  it('in python.active_interpreter: an error naming the key, the file and the value', async () => {
    const t = await bridge(legacyAndNamed('wrok'));
    const list = (await t.request('GET', '/api/dashboard/interpreters')).json as InterpreterList;
    expect(list.active).toBeNull();
    expect(list.active_error).toBe(`python.active_interpreter in ${t.configFile} is 'wrok', which matches no configured interpreter (configured: 'default', 'work')`);
    expect(t.bridge.core.executor.status()).toMatchObject({ state: 'failed', interpreter: null });
  });
});

describe('the interpreter the executor runs', () => {
  it('cannot be removed, even when the file names no valid active interpreter', async () => {
    const t = await bridge(twoInterpreters('system'));
    const text = readFileSync(t.configFile, 'utf8');
    await fs.writeFile(t.configFile, text.replace(/("?active_interpreter"?\s*:\s*)"?\w+"?/, '$1"nope"'));
    await t.bridge.core.config.checkDisk();
    expect(((await t.request('GET', '/api/dashboard/interpreters')).json as InterpreterList).active_error).toContain("is 'nope'");
    expect(t.bridge.core.executor.status()).toMatchObject({ state: 'connected', interpreter: 'system' });
    const removal = await t.request('DELETE', '/api/dashboard/interpreters/system');
    expect(removal.status).toBe(409);
    expect((removal.json as { error: { message: string } }).error.message).toBe("'system' is the interpreter the executor runs; activate another one before removing it");
    expect(((await t.request('GET', '/api/dashboard/interpreters')).json as InterpreterList).interpreters.map((i) => i.key)).toContain('system');
  });
});

describe('re-activating the active interpreter', () => {
  it('is a no-op that says so: same process, no connection change', async () => {
    const t = await bridge(twoInterpreters('system'));
    const before = t.bridge.core.executor.status();
    let changes = 0;
    const sub = t.bridge.core.events.on('connectionChanged', (s) => {
      if (s.pid !== before.pid || s.switching_to !== null || s.state !== before.state) changes++;
    });
    const r = await t.request('POST', '/api/dashboard/interpreters/system/activate');
    sub.dispose();
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ active: 'system', previous: 'system', switched: false, message: "'system' is already the active interpreter; nothing changed (use reconnect to restart the executor)" });
    expect(changes).toBe(0);
    expect(t.bridge.core.executor.status()).toMatchObject({ pid: before.pid, generation: before.generation });
  });
});

describe('Last error', () => {
  it('is cleared by a reconnect that works', async () => {
    const t = await bridge(twoInterpreters('system'));
    const first = t.bridge.core.executor.status();
    process.kill(first.pid as number, 'SIGKILL');
    const restarted = await statusWhere(t, (s) => s.state === 'connected' && s.pid !== first.pid);
    expect(restarted.last_error).toContain('SIGKILL');
    const r = await t.request('POST', '/api/dashboard/connection/reconnect', { body: {} });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ state: 'connected', last_error: null });
    expect((r.json as ConnectionStatus).pid).not.toBe(restarted.pid);
  });
});
