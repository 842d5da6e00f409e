/**
 * Issue 12, "Smaller", through the real app (HTTP → core → real executor):
 * - a plugin's answer over the 32 MiB gRPC cap is a 502 that says so, not a 413 (a request status);
 * - an unauthenticated error never echoes a plugin file's content: the plugin's name and the
 *   exception's type, the details in the log;
 * - plugin symlinks: followed inside plugins.dirs silently; one leading outside loads and is logged
 *   once;
 * - the documented limit of the executor's clean-up: a plugin's `setsid` daemon survives a stop.
 */
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, tempDir, type TestBridge } from '../helpers/bridge.js';
import { configYaml, FIXTURE_PLUGINS, pidAlive, ROOT, SYSTEM_PYTHON, waitUntil } from '../helpers/executor.js';

const SECRET_WORD = 'hunter2passphrase';
let t: TestBridge;
let plugins: string;
let outside: string;

beforeAll(async () => {
  const dir = tempDir();
  plugins = path.join(dir, 'plugins');
  outside = path.join(dir, 'elsewhere');
  mkdirSync(plugins);
  mkdirSync(outside);
  for (const p of ['huge.py', 'boom.py']) copyFileSync(path.join(FIXTURE_PLUGINS, p), path.join(plugins, p));
  // a "plugin" linked to a file outside plugins.dirs whose content is a bare word (NameError quoting it)
  writeFileSync(path.join(outside, 'notes.txt'), `${SECRET_WORD}\n`);
  symlinkSync(path.join(outside, 'notes.txt'), path.join(plugins, 'leak.py'));
  // one linked inside the plugin folder: followed silently
  symlinkSync(path.join(plugins, 'boom.py'), path.join(plugins, 'boom2.py'));
  writeFileSync(path.join(plugins, 'spawner.py'), [
    'import subprocess',
    'from webhook_bridge import BasePlugin',
    'class Plugin(BasePlugin):',
    '    def post(self, request):',
    '        plain = subprocess.Popen(["sleep", "300"])',
    '        daemon = subprocess.Popen(["setsid", "sleep", "301"])',
    '        return {"plain": plain.pid, "daemon": daemon.pid}',
    '',
  ].join('\n'));
  t = await startTestBridge({ dir, configText: configYaml({ interpreters: { sys: { path: SYSTEM_PYTHON } }, active: 'sys', pluginDirs: [plugins] }) });
});

afterAll(async () => {
  await t?.stop();
});

const executorLog = (): string[] => t.bridge.core.logs.read(0, 5000).entries.map((e) => e.message);

describe('issue 12, smaller items', () => {
  it('answers 502 naming the plugin and the limit for an answer over 32 MiB, and the executor keeps serving', async () => {
    const r = await t.request('POST', '/api/v1/webhook/huge', { body: {}, auth: false });
    expect(r.status).toBe(502);
    expect(r.json).toEqual({ error: { code: 'BAD_GATEWAY', message: "plugin 'huge' answered 33.0 MiB, over the 32 MiB limit of a plugin response" } });
    const ok = await t.request('POST', '/api/v1/webhook/huge?mib=1', { body: {}, auth: false });
    expect([ok.status, ok.text.length]).toEqual([200, 1048576]);
    expect(t.bridge.core.executor?.status().restarts).toBe(0);
  });

  it('never echoes file content in an unauthenticated error: the plugin name and the exception type, details in the log', async () => {
    const r = await t.request('POST', '/api/v1/webhook/leak', { body: {}, auth: false });
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: { code: 'INTERNAL', message: "plugin 'leak' is unavailable: NameError (details in the executor log)" } });
    const info = await t.request('GET', '/api/v1/plugins/leak', { auth: false });
    expect(info.text).not.toContain(SECRET_WORD);
    expect(info.json).toMatchObject({ name: 'leak', available: false, error: 'NameError (details in the executor log)' });
    const list = await t.request('GET', '/api/v1/plugins', { auth: false });
    expect(list.text).not.toContain(SECRET_WORD);
    // a plugin raising at call time: its message stays in the log too
    const boom = await t.request('POST', '/api/v1/webhook/boom', { body: {}, auth: false });
    expect(boom.json).toEqual({ error: { code: 'INTERNAL', message: "plugin 'boom' raised ValueError (details in the executor log)" } });
    await expect.poll(() => executorLog().some((m) => m.includes(SECRET_WORD) && m.includes('NameError'))).toBe(true);
    await expect.poll(() => executorLog().some((m) => m.includes('the payload made me explode'))).toBe(true);
  });

  it('follows a plugin symlink inside plugins.dirs silently, and logs one leading outside once', async () => {
    const boom2 = await t.request('POST', '/api/v1/webhook/boom2', { body: {}, auth: false });
    expect(boom2.json).toEqual({ error: { code: 'INTERNAL', message: "plugin 'boom2' raised ValueError (details in the executor log)" } });
    for (let i = 0; i < 3; i++) await t.request('POST', '/api/v1/webhook/leak', { body: {}, auth: false });
    await t.request('GET', '/api/v1/plugins', { auth: false });
    const outsideLines = (): string[] => executorLog().filter((m) => m.includes('outside every plugin folder'));
    await expect.poll(() => outsideLines().length).toBeGreaterThan(0);
    expect(outsideLines()).toHaveLength(1);
    expect(outsideLines()[0]).toContain(path.join(outside, 'notes.txt'));
    expect(executorLog().filter((m) => m.includes('boom2') && m.includes('outside'))).toEqual([]);
  });
});

describe('the setsid limit (documented)', () => {
  const daemons: number[] = [];
  afterAll(() => {
    for (const pid of daemons) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('a stopped executor takes its plugins\' subprocesses along, except a setsid daemon, as the plugin README says', async () => {
    const readme = readFileSync(path.join(ROOT, 'resources', 'plugins', 'README.md'), 'utf8');
    expect(readme).toMatch(/`setsid`[\s\S]{0,200}survives executor stops/);
    const r = await t.request('POST', '/api/v1/webhook/spawner', { body: {}, auth: false });
    const { plain, daemon } = r.json as { plain: number; daemon: number };
    daemons.push(daemon);
    expect([pidAlive(plain), pidAlive(daemon)]).toEqual([true, true]);
    const re = await t.request('POST', '/api/dashboard/connection/reconnect', { body: {} });
    expect(re.status).toBe(200);
    await waitUntil(() => !pidAlive(plain), 10_000, 'the plain subprocess to be stopped with its executor');
    expect(pidAlive(daemon)).toBe(true);
  });
});
