/**
 * A symlinked config (issue 12, B3) and a config folder deleted while running (B11).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore, type ConfigChange } from '../../electron/core/config/store.js';
import { Logger } from '../../electron/core/logging/logger.js';
import { tempDir } from '../helpers/bridge.js';

const logger = Logger.create({ level: 'error', sinks: [] });
const open: ConfigStore[] = [];
afterEach(() => open.splice(0).forEach((c) => c.dispose()));

async function openStore(file: string): Promise<ConfigStore> {
  const s = await ConfigStore.open({ path: file, env: {}, logger, watch: true, debounceMs: 30, retryMs: 50 });
  open.push(s);
  return s;
}

/** Resolves with the first external change that satisfies `pred` (the test's timeout bounds the wait). */
function nextExternal(s: ConfigStore, pred: (c: ConfigChange) => boolean): Promise<ConfigChange> {
  return new Promise((resolve) => {
    const sub = s.onDidChange((c) => {
      if (c.source === 'external' && pred(c)) {
        sub.dispose();
        resolve(c);
      }
    });
  });
}

const port = (c: ConfigChange): unknown => c.view.values.find((v) => v.key === 'server.port')?.value;

describe('a symlinked config (B3)', () => {
  it('writes replace the target atomically in its folder, the link stays a link, backups sit beside the target', async () => {
    const home = tempDir();
    const dotfiles = path.join(home, 'dotfiles');
    const confDir = path.join(home, 'config');
    await fs.mkdir(dotfiles, { mode: 0o700 });
    await fs.mkdir(confDir, { mode: 0o700 });
    const target = path.join(dotfiles, 'webhook-bridge.yaml');
    const link = path.join(confDir, 'config.yaml');
    await fs.writeFile(target, '# mine\nserver: { port: 9100 }\n', { mode: 0o600 });
    await fs.symlink('../dotfiles/webhook-bridge.yaml', link);
    const s = await openStore(link);
    expect(s.settings.server.port).toBe(9100);
    await s.edit((doc) => doc.setIn(['logging', 'level'], 'debug'));
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect(await fs.readlink(link)).toBe('../dotfiles/webhook-bridge.yaml');
    expect(await fs.readFile(target, 'utf8')).toMatch(/^# mine\nserver: \{ port: 9100 \}\nlogging:\n {2}level: debug\n$/);
    expect(await fs.readFile(`${target}.bak.1`, 'utf8')).toBe('# mine\nserver: { port: 9100 }\n');
    expect((await fs.readdir(confDir)).sort()).toEqual(['config.yaml']);
  });

  it('edits of the target by hand are seen live', async () => {
    const home = tempDir();
    const target = path.join(home, 'real.yaml');
    const link = path.join(home, 'sub', 'config.yaml');
    await fs.mkdir(path.dirname(link), { mode: 0o700 });
    await fs.writeFile(target, 'server: { port: 9100 }\n', { mode: 0o600 });
    await fs.symlink(target, link);
    const s = await openStore(link);
    const seen = nextExternal(s, (c) => port(c) === 9101);
    await fs.writeFile(target, 'server: { port: 9101 }\n');
    expect(port(await seen)).toBe(9101);
  });
});

describe('a config folder deleted while running (B11)', () => {
  it('the next write makes the folder and the file again, as the log promises', async () => {
    const dir = path.join(tempDir(), 'conf');
    const file = path.join(dir, 'config.yaml');
    await fs.mkdir(dir, { mode: 0o700 });
    await fs.writeFile(file, '# hand written\nserver: { port: 9100 }\n', { mode: 0o600 });
    const s = await openStore(file);
    await fs.rm(dir, { recursive: true });
    await s.edit((doc) => doc.setIn(['logging', 'level'], 'debug'));
    expect(await fs.readFile(file, 'utf8')).toBe('# hand written\nserver: { port: 9100 }\nlogging:\n  level: debug\n');
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('the watcher recovers when the folder comes back: hand edits are noticed again', async () => {
    const dir = path.join(tempDir(), 'conf');
    const file = path.join(dir, 'config.yaml');
    await fs.mkdir(dir, { mode: 0o700 });
    await fs.writeFile(file, 'server: { port: 9100 }\n', { mode: 0o600 });
    const s = await openStore(file);
    const gone = nextExternal(s, () => true).catch(() => undefined);
    await fs.rm(dir, { recursive: true });
    void gone;
    const back = nextExternal(s, (c) => port(c) === 9102);
    await fs.mkdir(dir, { mode: 0o700 });
    await fs.writeFile(file, 'server: { port: 9102 }\n', { mode: 0o600 });
    expect(port(await back)).toBe(9102);
    // and the watch is live again, not only the one-off check after the folder came back
    const later = nextExternal(s, (c) => port(c) === 9103);
    await fs.writeFile(file, 'server: { port: 9103 }\n');
    expect(port(await later)).toBe(9103);
  });
});
