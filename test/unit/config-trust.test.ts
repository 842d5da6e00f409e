/**
 * The trust rule (issue 12, B4): the config file and its folder must be owned by the app's user or
 * root and not writable by group or others, else the config is not used (a degraded start, the
 * reason with its fix in GET config, changes refused). Ownership is tested through the pure
 * function with injected uids, and on real files chowned to another user (the tests run as root).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../electron/core/config/store.js';
import { AppError } from '../../electron/core/app-error.js';
import { Logger } from '../../electron/core/logging/logger.js';
import { trustProblem } from '../../electron/core/trust.js';
import { tempDir } from '../helpers/bridge.js';

const logger = Logger.create({ level: 'error', sinks: [] });
const open: ConfigStore[] = [];
afterEach(() => open.splice(0).forEach((c) => c.dispose()));
const FILE = 0o100000;
const DIR = 0o040000;
const IS_ROOT = process.getuid?.() === 0;

async function openStore(file: string, uid?: number | null): Promise<ConfigStore> {
  const s = await ConfigStore.open({ path: file, env: {}, logger, watch: false, ...(uid !== undefined ? { uid } : {}) });
  open.push(s);
  return s;
}

async function expectRefusedEdit(s: ConfigStore, reason: RegExp): Promise<void> {
  const err = await s.edit((doc) => doc.setIn(['logging', 'level'], 'debug')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('CONFIG_INVALID');
  expect((err as AppError).message).toMatch(reason);
}

describe('trustProblem (pure)', () => {
  it('accepts files and folders of the app user or root without group/other write', () => {
    expect(trustProblem('/c/config.yaml', 'file', { uid: 1000, mode: FILE | 0o600 }, 1000)).toBeNull();
    expect(trustProblem('/c/config.yaml', 'file', { uid: 0, mode: FILE | 0o644 }, 1000)).toBeNull();
    expect(trustProblem('/c', 'folder', { uid: 1000, mode: DIR | 0o755 }, 1000)).toBeNull();
    expect(trustProblem('/tmp', 'folder', { uid: 0, mode: DIR | 0o1777 }, 1000)).toBeNull(); // sticky, root's
    expect(trustProblem('/c/config.yaml', 'file', { uid: 5, mode: FILE | 0o666 }, null)).toBeNull(); // no uids (Windows)
  });

  it('refuses another owner, group or other write, a non-sticky open folder, and says how to fix it', () => {
    expect(trustProblem('/c/config.yaml', 'file', { uid: 1001, mode: FILE | 0o600 }, 1000)).toBe(
      "/c/config.yaml is owned by another user (uid 1001), not by the app's user (uid 1000) or root: check its content, then fix with: chown 1000 /c/config.yaml",
    );
    expect(trustProblem('/c/config.yaml', 'file', { uid: 1000, mode: FILE | 0o666 }, 1000)).toMatch(/writable by group and others \(mode 0666\).*chmod go-w \/c\/config.yaml$/);
    expect(trustProblem('/c/config.yaml', 'file', { uid: 1000, mode: FILE | 0o620 }, 1000)).toMatch(/writable by group \(mode 0620\)/);
    expect(trustProblem('/c', 'folder', { uid: 1000, mode: DIR | 0o777 }, 1000)).toMatch(/\/c is writable by group and others \(mode 0777\).*chmod go-w \/c$/);
    expect(trustProblem('/shared', 'folder', { uid: 1001, mode: DIR | 0o1777 }, 1000)).toMatch(/owned by another user/);
    expect(trustProblem('/c/api-token', 'file', { uid: 1000, mode: DIR | 0o700 }, 1000)).toMatch(/not a regular file/);
  });
});

describe('config trust on real files', () => {
  it('a config folder writable by others is not used: degraded, with the fix, changes refused', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.yaml');
    await fs.writeFile(file, 'server: { port: 9123 }\n', { mode: 0o600 });
    await fs.chmod(dir, 0o777);
    const s = await openStore(file);
    expect(s.valid).toBe(false);
    expect(s.view.errors[0]?.message).toMatch(new RegExp(`${dir} is writable by group and others .*chmod go-w ${dir}`));
    expect(s.settings.server.port).toBe(8000); // the file's values are not used
    await expectRefusedEdit(s, /not trusted/);
    await fs.chmod(dir, 0o700);
    await s.checkDisk();
    expect(s.valid).toBe(true);
    expect(s.settings.server.port).toBe(9123);
  });

  it('a config file writable by others is refused at start and on every reload', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.yaml');
    await fs.writeFile(file, 'server: { port: 9123 }\n', { mode: 0o600 });
    const s = await openStore(file);
    expect(s.valid).toBe(true);
    await fs.writeFile(file, 'server: { port: 9124 }\n');
    await fs.chmod(file, 0o666);
    await s.checkDisk();
    expect(s.valid).toBe(false);
    expect(s.settings.server.port).toBe(9123); // the last good one, not the planted one
    expect(s.view.errors[0]?.message).toMatch(/config.yaml is writable by group and others \(mode 0666\)/);
  });

  it.skipIf(!IS_ROOT)('a config file created first by another user (sticky /tmp case) is refused', async () => {
    const dir = tempDir();
    await fs.chmod(dir, 0o1777); // like /tmp: sticky, open to all (owned by root here)
    const file = path.join(dir, 'config.yaml');
    await fs.writeFile(file, 'python:\n  interpreter: /home/mallory/evil.sh\n', { mode: 0o644 });
    await fs.chown(file, 65534, 65534);
    const s = await openStore(file);
    expect(s.valid).toBe(false);
    expect(s.view.errors[0]?.message).toMatch(/is owned by another user \(uid 65534\).*chown 0 /);
    expect(s.settings.python.interpreter).not.toBe('/home/mallory/evil.sh');
  });

  it('the owner is checked against the uid the app runs as (injected)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.yaml');
    await fs.writeFile(file, 'server: { port: 9123 }\n', { mode: 0o600 });
    const uid = (await fs.stat(file)).uid;
    expect((await openStore(file, uid)).valid).toBe(true);
    if (uid !== 0) return;
    // as another, non-root user the files owned by root are still trusted (root could do anything anyway)
    expect((await openStore(file, 4242)).valid).toBe(true);
  });
});
