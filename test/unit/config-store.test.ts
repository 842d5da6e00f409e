import { promises as fs, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore, type ConfigChange } from '../../electron/core/config/store.js';
import { EventBus } from '../../electron/core/events.js';
import { Logger } from '../../electron/core/logging/logger.js';
import { AppError } from '../../electron/core/app-error.js';
import { tempDir } from '../helpers/bridge.js';
import { registryFor } from '../helpers/activation.js';

const logger = Logger.create({ level: 'error', sinks: [] });
const open: ConfigStore[] = [];
afterEach(() => open.splice(0).forEach((c) => c.dispose()));

async function store(text: string | null, opts: { watch?: boolean; env?: Record<string, string> } = {}) {
  const dir = tempDir();
  const file = path.join(dir, 'config.yaml');
  if (text !== null) await fs.writeFile(file, text);
  const config = await ConfigStore.open({ path: file, env: opts.env ?? {}, logger, watch: opts.watch ?? false, debounceMs: 30 });
  open.push(config);
  const registry = registryFor(config, new EventBus(), logger);
  return { dir, file, config, registry };
}

function waitFor<T>(subscribe: (l: (v: T) => void) => { dispose(): void }, pred: (v: T) => boolean, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for event')), ms);
    const sub = subscribe((v) => {
      if (pred(v)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(v);
      }
    });
  });
}

describe('ConfigStore', () => {
  it('creates a missing file with commented defaults, mode 0600', async () => {
    const { file, config, registry } = await store(null);
    const text = await fs.readFile(file, 'utf8');
    expect(text).toMatch(/^# webhook-bridge configuration/);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(config.valid).toBe(true);
    expect(registry.list().interpreters.map((i) => [i.key, i.path, i.legacy])).toEqual([['default', 'auto', true]]);
  });

  it('never overwrites a file that does not parse, refuses writes with CONFIG_INVALID and keeps the last good settings', async () => {
    const { file, config, registry } = await store('server:\n  port: 9100\n');
    expect(config.settings.server.port).toBe(9100);
    const broken = 'server:\n  port: [\n';
    await fs.writeFile(file, broken);
    await config.checkDisk();
    expect(config.valid).toBe(false);
    expect(config.view.errors[0]?.line).toBeGreaterThan(0);
    expect(config.settings.server.port).toBe(9100);
    const err = await registry.add({ key: 'x', path: '/usr/bin/python3' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFIG_INVALID');
    expect(await fs.readFile(file, 'utf8')).toBe(broken);
    await fs.writeFile(file, 'server:\n  port: 9200\n');
    await config.checkDisk();
    expect(config.valid).toBe(true);
    expect(config.settings.server.port).toBe(9200);
  });

  it('refuses an edit that would make the file invalid and writes nothing', async () => {
    const { file, config } = await store('server:\n  port: 1\n');
    const before = await fs.readFile(file, 'utf8');
    await expect(config.edit((doc) => doc.setIn(['server', 'port'], 'nope'))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await fs.readFile(file, 'utf8')).toBe(before);
  });

  it('announces edits made by hand, and not its own writes', async () => {
    const { file, config, registry } = await store('python:\n  interpreter: /usr/bin/python3\n', { watch: true });
    const seen: ConfigChange[] = [];
    config.onDidChange((c) => seen.push(c));
    await registry.add({ key: 'mine', path: '/usr/bin/python3' });
    await new Promise((r) => setTimeout(r, 300)); // let the watcher see our own write
    expect(seen.map((c) => c.source)).toEqual(['app']);
    const external = waitFor<ConfigChange>(config.onDidChange, (c) => c.source === 'external');
    await fs.appendFile(file, 'logging:\n  level: debug\n');
    const change = await external;
    expect(change.view.external_change_at).not.toBeNull();
    expect(config.settings.logging.level).toBe('debug');
    expect(seen.filter((c) => c.source === 'external')).toHaveLength(1);
  });

  it('serialises 100 concurrent add/remove calls into a valid file holding exactly what succeeded', async () => {
    const { file, config, registry } = await store('python:\n  interpreters:\n    keep:\n      path: /usr/bin/python3\n  active_interpreter: keep\n');
    const balance = new Map<string, number>(); // successful adds minus successful removes, per key
    const bump = (k: string, d: number) => balance.set(k, (balance.get(k) ?? 0) + d);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      const key = `p${i % 35}`; // some keys are added twice: the second add is a 409
      calls.push(registry.add({ key, path: '/usr/bin/python3' }).then(() => bump(key, 1)));
      calls.push(registry.remove(`p${(i * 7) % 35}`).then(() => bump(`p${(i * 7) % 35}`, -1)));
    }
    const results = await Promise.allSettled(calls);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failures.map((f) => (f.reason as AppError).code).filter((c) => c !== "NOT_FOUND" && c !== "CONFLICT")).toEqual([]);
    // an add succeeds only when the key is absent and a remove only when it is present, so each
    // key's balance is 1 (present) or 0 (absent) if and only if no update was lost
    expect([...balance.values()].every((b) => b === 0 || b === 1)).toBe(true);
    expect(failures.length).toBeGreaterThan(0);
    const expected = new Set(['keep', ...[...balance].filter(([, b]) => b === 1).map(([k]) => k)]);
    const fresh = await ConfigStore.open({ path: file, env: {}, logger, watch: false });
    open.push(fresh);
    expect(fresh.valid).toBe(true);
    expect(new Set(Object.keys(fresh.settings.python.interpreters))).toEqual(expected);
    expect(config.valid).toBe(true);
  });

  it('cleans temp files an interrupted write left behind', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.yaml');
    await fs.writeFile(file, 'server:\n  port: 1\n');
    await fs.writeFile(path.join(dir, '.config.yaml.tmp-123-abcd'), 'half');
    const config = await ConfigStore.open({ path: file, env: {}, logger, watch: false });
    open.push(config);
    expect((await fs.readdir(dir)).sort()).toEqual(['config.yaml']);
  });

  it('survives a config path that cannot be read: keeps the last good settings and refuses writes', async () => {
    const { file, config, registry } = await store('server:\n  port: 9300\n', { watch: true });
    await fs.rm(file);
    await fs.mkdir(file); // a folder where the file was: EISDIR (root can read any mode, so no chmod)
    await config.checkDisk();
    expect(config.valid).toBe(false);
    expect(config.view.errors[0]?.message).toMatch(/cannot read the config file \(EISDIR\)/);
    expect(config.settings.server.port).toBe(9300);
    await expect(registry.add({ key: 'x', path: '/usr/bin/python3' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await new Promise((r) => setTimeout(r, 200)); // the watcher's own re-read must not crash the process
    await fs.rmdir(file);
    await fs.writeFile(file, 'server:\n  port: 9301\n');
    await config.checkDisk();
    expect(config.valid).toBe(true);
    expect(config.settings.server.port).toBe(9301);
  });

  it('recreates a file deleted by hand from the last good configuration, not from defaults', async () => {
    const { file, registry } = await store('# mine\npython:\n  active_interpreter: a\n  interpreters:\n    a:\n      path: /usr/bin/python3\n');
    await fs.rm(file);
    await registry.add({ key: 'b', path: '/usr/bin/python3' });
    const text = await fs.readFile(file, 'utf8');
    expect(text).toContain('# mine');
    expect(registry.list().interpreters.map((i) => i.key)).toEqual(['a', 'b']);
  });

  it('keeps its backup history when an edit is retried because of a hand edit', async () => {
    const { file, config } = await store('server:\n  port: 1\n');
    await config.edit((doc) => doc.setIn(['server', 'port'], 2));
    await config.edit((doc) => doc.setIn(['server', 'port'], 3));
    let first = true;
    await config.edit((doc) => {
      if (first) {
        first = false;
        // a hand edit lands while the app prepares its write: the write is retried on the new text
        writeFileSync(file, 'server:\n  port: 3\n# hand\n');
      }
      doc.setIn(['server', 'port'], 4);
    });
    expect(await fs.readFile(file, 'utf8')).toBe('server:\n  port: 4\n# hand\n');
    expect(await fs.readFile(`${file}.bak.1`, 'utf8')).toBe('server:\n  port: 3\n# hand\n');
    // the app's own port-3 version was replaced by the hand edit, not by the app: history is the
    // hand edit, then 2, then 1 (a rotation per failed attempt would have pushed 1 out)
    expect(await fs.readFile(`${file}.bak.2`, 'utf8')).toBe('server:\n  port: 2\n');
    expect(await fs.readFile(`${file}.bak.3`, 'utf8')).toBe('server:\n  port: 1\n');
  });
});
