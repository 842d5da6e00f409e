/**
 * The executor's working folder is the app's data folder, never the config's (issue 12, B11): a
 * config folder deleted while the app runs does not keep a killed executor from respawning.
 * Before, the executor ran in the config's folder, every respawn failed (spawn ENOENT) and the
 * executor ended `failed`.
 */
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../electron/app.js';
import { configYaml, FIXTURE_PLUGINS, RESOURCES, SYSTEM_PYTHON, waitUntil } from '../helpers/executor.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'wb-workdir-'));
let bridge: Bridge | undefined;

afterAll(async () => {
  await bridge?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(process.platform !== 'linux')('the executor working folder', () => {
  it('is the data folder: with the config folder deleted, a killed executor respawns and serves', async () => {
    const confDir = path.join(root, 'conf');
    const dataHome = path.join(root, 'data');
    mkdirSync(confDir);
    const configFile = path.join(confDir, 'config.yaml');
    writeFileSync(configFile, configYaml({ interpreters: { sys: { path: SYSTEM_PYTHON } }, active: 'sys', pluginDirs: [FIXTURE_PLUGINS] }), { mode: 0o600 });
    const env: Record<string, string | undefined> = { ...process.env, HOME: path.join(root, 'home'), XDG_DATA_HOME: dataHome, XDG_STATE_HOME: path.join(root, 'state'), XDG_CONFIG_HOME: path.join(root, 'xdg-config') };
    delete env['WEBHOOK_BRIDGE_API_TOKEN'];
    bridge = await startBridge({ configFlag: configFile, port: 0, host: '127.0.0.1', env, home: path.join(root, 'home'), fileLog: false, resourcesDir: RESOURCES, executorTuning: { backoff: { initialMs: 50, maxMs: 500, factor: 2 } } });
    const b = bridge;
    const status = () => b.core.executor!.status();
    expect(status().state).toBe('connected');
    const first = status().pid as number;
    expect(readlinkSync(`/proc/${first}/cwd`)).toBe(path.join(dataHome, 'webhook-bridge'));

    rmSync(confDir, { recursive: true, force: true });
    process.kill(first, 'SIGKILL');
    await waitUntil(() => { const s = status(); return s.state === 'failed' || (s.state === 'connected' && s.pid !== null && s.pid !== first); }, 20_000, 'a respawned executor');
    const s = status();
    expect([s.state, s.restarts, s.last_error ?? '']).toEqual(['connected', 1, expect.stringContaining(`pid ${first}`)]);
    expect(readlinkSync(`/proc/${s.pid as number}/cwd`)).toBe(path.join(dataHome, 'webhook-bridge'));
    const res = await fetch(`${b.url}/api/v1/webhook/busy?seconds=0`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
  });
});
