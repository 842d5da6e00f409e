/**
 * The executor pools of bound interpreters are visible (issue 14 items 3-5): with real executors under
 * two interpreters (Debian's python3 active, a venv of it bound to one plugin), a bound plugin's
 * first webhook makes its pool appear in GET /api/dashboard/connection (state, plugins, processes,
 * last use) and in GET /metrics (series labelled by interpreter and pool, read by the strict
 * Prometheus text parser), each start and stop fires `connectionChanged`, and an idle stop marks it
 * `idle-stopped` with no process series left; a binding to a broken interpreter shows `failing`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundExecutor, ConnectionStatus } from '../../shared/dto/connection.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { makeVenv, pidAlive, SYSTEM_PYTHON, tempDir, waitUntil } from '../helpers/executor.js';
import { parsePrometheusText, sampleValue, type Family } from '../helpers/prom-text.js';

const WHOAMI = `import os, sys
from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
    def get(self, request):
        return {"executable": sys.executable, "pid": os.getpid()}
`;

describe('bound executor pools in the connection status and /metrics', () => {
  let b: TestBridge;
  let dir = '';
  let venvPython = '';
  const events: ConnectionStatus[] = [];

  const connection = async (): Promise<ConnectionStatus> => {
    const res = await b.request('GET', '/api/dashboard/connection');
    expect(res.status, res.text).toBe(200);
    return res.json as ConnectionStatus;
  };
  const boundOf = (s: ConnectionStatus, key: string): BoundExecutor | undefined => s.bound.find((x) => x.interpreter === key);
  const scrape = async (): Promise<Map<string, Family>> => {
    const res = await b.request('GET', '/metrics');
    expect(res.status, res.text).toBe(200);
    return parsePrometheusText(res.text);
  };
  const call = async (plugin: string): Promise<{ executable: string; pid: number }> => {
    const res = await b.request('GET', `/api/v1/webhook/${plugin}`, { auth: false });
    expect(res.status, res.text).toBe(200);
    return res.json as { executable: string; pid: number };
  };

  beforeAll(async () => {
    dir = tempDir('wbx-bound-status-');
    venvPython = makeVenv(dir);
    const plugins = path.join(dir, 'plugins');
    mkdirSync(plugins);
    for (const name of ['whoami', 'other']) writeFileSync(path.join(plugins, `${name}.py`), WHOAMI);
    const config = {
      python: { interpreters: { system: { path: SYSTEM_PYTHON }, venv: { path: venvPython } }, active_interpreter: 'system' },
      plugins: { dirs: [plugins], settings: { whoami: { interpreter: 'venv' } } },
      // the inbox asks a plugin's info of its pool in the background after its first delivery
      // (a call that moves in-flight and last use after the answer): off, so only webhooks use it
      inbox: { enabled: false },
    };
    b = await startTestBridge({ configText: JSON.stringify(config) });
    b.bridge.core.events.on('connectionChanged', (s) => events.push(s));
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a bound interpreter before its first call as stopped, with its plugins and no processes', async () => {
    const s = await connection();
    expect(s.interpreter).toBe('system');
    expect(s.bound).toHaveLength(1);
    expect(boundOf(s, 'venv')).toMatchObject({ interpreter: 'venv', interpreter_path: venvPython, plugins: ['whoami'], state: 'stopped', pool: { size: 0, processes: [] }, last_used: null });
    const f = await scrape();
    expect(sampleValue(f, 'webhook_bridge_bound_executor_state', { interpreter: 'venv', state: 'stopped' })).toBe(1);
    expect(f.get('webhook_bridge_executor_process_state')?.samples.some((x) => x.labels['pool'] === 'bound')).toBe(false);
  });

  it("shows the pool its first webhook starts, in the status, the event stream and /metrics", async () => {
    const seen = events.length;
    const who = await call('whoami');
    expect(who.executable).toBe(venvPython);
    const s = await connection();
    const venv = boundOf(s, 'venv');
    expect(venv).toMatchObject({ state: 'serving', plugins: ['whoami'], stopped_at: null, pool: { size: 1, serving: 1 } });
    expect(venv?.pool.processes[0]).toMatchObject({ index: 0, pid: who.pid, state: 'serving', restarts: 0 });
    expect(venv?.last_used).not.toBeNull();
    expect(s.pid).not.toBe(who.pid); // the active pool is another process
    // the start was pushed: the page follows it live
    const pushed = events.slice(seen).map((e) => boundOf(e, 'venv')?.state);
    expect(pushed).toContain('serving');

    const f = await scrape();
    const V = { interpreter: 'venv', pool: 'bound', process: '0' };
    expect(sampleValue(f, 'webhook_bridge_executor_process_pid', V)).toBe(who.pid);
    expect(sampleValue(f, 'webhook_bridge_executor_process_state', { ...V, state: 'serving' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_executor_process_in_flight', V)).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_executor_process_restarts_total', V)).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_executor_process_pid', { interpreter: 'system', pool: 'active', process: '0' })).toBe(s.pid);
    expect(sampleValue(f, 'webhook_bridge_bound_executor_state', { interpreter: 'venv', state: 'serving' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_bound_executor_last_use_seconds', { interpreter: 'venv' })).toBe(Date.parse(venv?.last_used ?? '') / 1000);
  });

  it('marks the pool idle-stopped after executor.bound_idle_seconds, with no process series left', async () => {
    await b.bridge.core.config.edit((doc) => doc.setIn(['executor', 'bound_idle_seconds'], 0));
    const seen = events.length;
    const who = await call('whoami'); // its end starts the (now 0 s) idle timer
    await waitUntil(() => !pidAlive(who.pid), 15_000, 'the idle bound executor to stop');
    const s = await connection();
    const venv = boundOf(s, 'venv');
    expect(venv).toMatchObject({ state: 'idle-stopped', plugins: ['whoami'], pool: { size: 0, serving: 0, processes: [] }, in_flight: 0 });
    expect(venv?.stop_reason).toContain('bound_idle_seconds');
    expect(venv?.stopped_at).not.toBeNull();
    expect(venv?.last_used).not.toBeNull();
    expect(events.slice(seen).map((e) => boundOf(e, 'venv')?.state)).toContain('idle-stopped');

    const f = await scrape();
    expect(f.get('webhook_bridge_executor_process_state')?.samples.filter((x) => x.labels['pool'] === 'bound')).toEqual([]);
    expect(f.get('webhook_bridge_executor_process_pid')?.samples.filter((x) => x.labels['pool'] === 'bound')).toEqual([]);
    expect(sampleValue(f, 'webhook_bridge_bound_executor_state', { interpreter: 'venv', state: 'idle-stopped' })).toBe(1);
    expect(sampleValue(f, 'webhook_bridge_bound_executor_state', { interpreter: 'venv', state: 'serving' })).toBe(0);
    expect(sampleValue(f, 'webhook_bridge_executor_process_state', { interpreter: 'system', pool: 'active', process: '0', state: 'serving' })).toBe(1);
    await b.bridge.core.config.edit((doc) => doc.deleteIn(['executor', 'bound_idle_seconds']));
  });

  it('shows a binding to an interpreter that cannot run plugins as failing, with the reason', async () => {
    await b.bridge.core.config.edit((doc) => {
      doc.setIn(['python', 'interpreters', 'gone'], doc.createNode({ path: path.join(dir, 'no-such-python') }));
      doc.setIn(['plugins', 'settings', 'other', 'interpreter'], 'gone');
    });
    const gone = boundOf(await connection(), 'gone');
    expect(gone).toMatchObject({ state: 'failing', plugins: ['other'], pool: { size: 0 } });
    expect(gone?.last_error).toBeTruthy();
    expect(sampleValue(await scrape(), 'webhook_bridge_bound_executor_state', { interpreter: 'gone', state: 'failing' })).toBe(1);
    await b.bridge.core.bindPlugin('other', null);
    expect(boundOf(await connection(), 'gone')).toBeUndefined();
  });
});
