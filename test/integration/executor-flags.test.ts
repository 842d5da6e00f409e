/**
 * `executor.reload_interval_seconds` and `executor.max_streams` reach the real executor as its
 * `--reload-interval` and `--max-streams` (issue 14 item 2, configurable from the app): an edited
 * plugin is not seen while the configured interval has not passed (an hour here; the executor's own
 * default of 1 s would have seen it), a live config edit restarts the executor with the new value
 * (0: every call sees the file), and with `max_streams: 1` concurrent webhooks all succeed because
 * the app opens no more streams than the executor serves.
 */
import { promises as fs, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { SYSTEM_PYTHON, tempDir, waitUntil } from '../helpers/executor.js';
import { cmdline, HAS_PROC } from '../helpers/procfs.js';

const version = (v: string): string => `from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
    def get(self, request):
        return {"version": "${v}"}
`;

const flagValue = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];

describe('executor flags from the config', () => {
  let b: TestBridge;
  let dir = '';
  let pluginFile = '';

  const answer = async (): Promise<string> => {
    const res = await b.request('GET', '/api/v1/webhook/ver', { auth: false });
    expect(res.status, res.text).toBe(200);
    return (res.json as { version: string }).version;
  };
  const pid = (): number => {
    const p = b.bridge.core.executor.status().pid;
    if (p === null) throw new Error('no executor pid');
    return p;
  };

  beforeAll(async () => {
    dir = tempDir('wbx-flags-');
    const plugins = path.join(dir, 'plugins');
    await fs.mkdir(plugins);
    pluginFile = path.join(plugins, 'ver.py');
    writeFileSync(pluginFile, version('one'));
    const config = {
      python: { interpreters: { system: { path: SYSTEM_PYTHON } }, active_interpreter: 'system' },
      executor: { reload_interval_seconds: 3600, max_streams: 1 },
      plugins: { dirs: [plugins] },
      // the inbox asks each plugin's info (a fresh look at its file) once per executor, in the
      // background after the first delivery: off, so only webhook calls look at the file
      inbox: { enabled: false },
    };
    b = await startTestBridge({ configText: JSON.stringify(config) });
    expect(b.bridge.core.executor.status().state).toBe('connected');
  });
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.runIf(HAS_PROC)('passes both settings on the executor command line', () => {
    const args = cmdline(pid());
    expect(flagValue(args, '--reload-interval')).toBe('3600');
    expect(flagValue(args, '--max-streams')).toBe('1');
  });

  it('does not look at an edited plugin again before the configured interval', async () => {
    expect(await answer()).toBe('one');
    writeFileSync(pluginFile, version('two, edited'));
    // past the executor's own default interval (1 s): with it the edit would be seen by now
    await new Promise((r) => setTimeout(r, 1500));
    expect(await answer()).toBe('one');
  });

  it('serves concurrent webhooks over no more streams than max_streams allows', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, () => b.request('GET', '/api/v1/webhook/ver', { auth: false })));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
  });

  it('restarts the executor live with an edited value, which then applies', async () => {
    const before = pid();
    await b.bridge.core.config.edit((doc) => doc.setIn(['executor', 'reload_interval_seconds'], 0));
    await waitUntil(() => b.bridge.core.executor.status().pid !== before && b.bridge.core.executor.status().state === 'connected', 20_000, 'the executor to restart');
    if (HAS_PROC) expect(flagValue(cmdline(pid()), '--reload-interval')).toBe('0');
    // a new process loads the file as it is now
    expect(await answer()).toBe('two, edited');
    // 0 = every call looks at the file: the next call sees an edit made just before it
    writeFileSync(pluginFile, version('three'));
    expect(await answer()).toBe('three');
  });

  it('refuses an out-of-range value with the key, and keeps the running executor', async () => {
    const running = pid();
    const edit = b.bridge.core.config.edit((doc) => doc.setIn(['executor', 'max_streams'], 0));
    await expect(edit).rejects.toThrow(/executor\.max_streams: .*1/);
    // by hand: the file is reported invalid with key and line, the app runs on the last good settings
    const good = await fs.readFile(b.configFile, 'utf8');
    await fs.writeFile(b.configFile, `${good}\n`.replace(/"reload_interval_seconds":\s*0/, '"reload_interval_seconds": 7200'));
    await b.bridge.core.config.checkDisk();
    const view = b.bridge.core.config.view;
    expect(view.valid).toBe(false);
    expect(view.errors.map((e) => e.path)).toContain('executor.reload_interval_seconds');
    expect(pid()).toBe(running);
    await fs.writeFile(b.configFile, good);
    await b.bridge.core.config.checkDisk();
    expect(b.bridge.core.config.view.valid).toBe(true);
    expect(pid()).toBe(running);
  });
});
