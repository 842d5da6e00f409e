import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../electron/core/config/store.js';
import { EventBus } from '../../electron/core/events.js';
import { Logger } from '../../electron/core/logging/logger.js';
import type { ActivationOutcome, ResolvedInterpreter, Validator } from '../../electron/core/interpreters/registry.js';
import { activationFor, registryFor } from '../helpers/activation.js';
import { tempDir } from '../helpers/bridge.js';

const logger = Logger.create({ level: 'error', sinks: [] });
const open: ConfigStore[] = [];
afterEach(() => open.splice(0).forEach((c) => c.dispose()));

async function setup(text: string, env: Record<string, string> = {}, parts: { validator?: Validator; switchTo?: (t: ResolvedInterpreter) => Promise<ActivationOutcome>; busy?: (name: string) => string | null } = {}) {
  const dir = tempDir();
  const file = path.join(dir, 'config.yaml');
  await fs.writeFile(file, text);
  const config = await ConfigStore.open({ path: file, env, logger, watch: false });
  open.push(config);
  const events = new EventBus();
  const registry = registryFor(config, events, logger, parts.validator ? { validator: parts.validator } : {});
  const activation = activationFor(registry, config, logger, parts.switchTo ? { switchTo: parts.switchTo } : {}, parts.busy);
  return { dir, file, config, registry, events, activation };
}

const NAMED = 'python:\n  active_interpreter: sys\n  interpreters:\n    sys:\n      path: /usr/bin/python3\n';

describe('InterpreterRegistry', () => {
  it('refuses bad paths with a distinct message for each case', async () => {
    const { dir, registry } = await setup(NAMED);
    const text = path.join(dir, 'notes.txt');
    await fs.writeFile(text, 'hello');
    await fs.symlink(path.join(dir, 'gone'), path.join(dir, 'dangling'));
    const msg = (p: string) => registry.add({ key: 'x', path: p }).then(() => 'accepted', (e: Error) => e.message);
    expect(await msg(dir)).toBe(`path: ${dir} is a directory, not a Python executable`);
    expect(await msg(path.join(dir, 'missing'))).toBe(`path: ${path.join(dir, 'missing')} does not exist`);
    expect(await msg(text)).toBe(`path: ${text} is not executable`);
    expect(await msg(path.join(dir, 'dangling'))).toBe(`path: ${path.join(dir, 'dangling')} is a broken symlink to ${path.join(dir, 'gone')}`);
    expect(await msg('bin/python3')).toBe("path: must be an absolute path (got 'bin/python3')");
    // the same details shape as a schema failure: { fields: [{ field, message }] }
    await expect(registry.add({ key: 'x', path: text })).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { fields: [{ field: 'path', message: `${text} is not executable` }] } });
    expect(registry.list().interpreters.map((i) => i.key)).toEqual(['sys']);
  });

  it('adds with the display name defaulting to the key, and refuses a duplicate key with 409', async () => {
    const { registry } = await setup(NAMED);
    const list = await registry.add({ key: 'uv-python', path: '/usr/bin/python3', environment: { API_TOKEN: 's3cret', MODE: 'dev' } });
    const added = list.interpreters.find((i) => i.key === 'uv-python');
    expect(added?.name).toBe('uv-python');
    expect(added?.environment).toEqual({ API_TOKEN: '••••••', MODE: 'dev' });
    await expect(registry.add({ key: 'uv-python', path: '/usr/bin/python3' })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { fields: [{ field: 'key', message: "an interpreter named 'uv-python' already exists" }] },
    });
  });

  it('refuses to remove the active interpreter (409) and an unknown one (404)', async () => {
    const { activation: registry } = await setup(NAMED);
    await expect(registry.remove('sys')).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('active') });
    await expect(registry.remove('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('activates, persists active_interpreter and emits the new list', async () => {
    const { file, registry, events, config, activation } = await setup(NAMED);
    await registry.add({ key: 'other', path: '/usr/bin/python3' });
    const seen: (string | null)[] = [];
    events.on('interpretersChanged', (l) => seen.push(l.active));
    const r = await activation.activate('other');
    expect(r).toMatchObject({ active: 'other', previous: 'sys' });
    expect(seen.at(-1)).toBe('other');
    expect(await fs.readFile(file, 'utf8')).toMatch(/active_interpreter: other/);
    expect(config.settings.python.active_interpreter).toBe('other');
  });

  it('keeps the old interpreter active when the activation handler fails', async () => {
    const { file, registry, activation } = await setup(NAMED, {}, {
      switchTo: async () => {
        throw new Error('executor never became ready');
      },
    });
    await registry.add({ key: 'other', path: '/usr/bin/python3' });
    await expect(activation.activate('other')).rejects.toThrow('never became ready');
    expect(registry.activeName()).toBe('sys');
    expect(await fs.readFile(file, 'utf8')).toMatch(/active_interpreter: sys/);
  });

  it('treats a legacy file with only python.interpreter as one interpreter named default', async () => {
    const { registry } = await setup('python:\n  interpreter: /usr/bin/python3\n');
    const list = registry.list();
    expect(list.active).toBe('default');
    expect(list.interpreters).toMatchObject([{ key: 'default', path: '/usr/bin/python3', legacy: true, active: true }]);
    expect((await registry.resolve('default')).path).toBe('/usr/bin/python3');
  });

  it('resolves legacy "auto" through discovery', async () => {
    const { registry } = await setup('python:\n  interpreter: auto\n');
    expect((await registry.resolve('default')).path).toBe('/usr/bin/python3');
  });

  it('lets WEBHOOK_BRIDGE_ACTIVE_INTERPRETER choose the active one without writing it', async () => {
    const { file, registry } = await setup(`${NAMED}    two:\n      path: /usr/bin/python3\n`, { WEBHOOK_BRIDGE_ACTIVE_INTERPRETER: 'two' });
    expect(registry.activeName()).toBe('two');
    expect(await fs.readFile(file, 'utf8')).toMatch(/active_interpreter: sys/);
  });

  it('marks an interpreter whose path disappeared as unavailable', async () => {
    const { registry } = await setup('python:\n  interpreters:\n    ghost:\n      path: /nonexistent/python3\n');
    expect(registry.list().interpreters[0]).toMatchObject({ status: 'unavailable', status_reason: '/nonexistent/python3 does not exist' });
  });

  it('queues a remove behind an activation of the same interpreter, so it is refused as active', async () => {
    let release: () => void = () => undefined;
    const { registry, activation: use } = await setup(NAMED, {}, { switchTo: () => new Promise((resolve) => (release = () => resolve({ switched: true, message: 'ok' }))) });
    await registry.add({ key: 'other', path: '/usr/bin/python3' });
    const activation = use.activate('other');
    const removal = use.remove('other').then(() => 'removed', (e: { code: string }) => e.code);
    await new Promise((r) => setTimeout(r, 50));
    release();
    await activation;
    expect(await removal).toBe('CONFLICT');
    expect(registry.list().interpreters.map((i) => i.key)).toContain('other');
  });

  it('switches the executor back when the new choice cannot be saved', async () => {
    const switches: string[] = [];
    const { file, registry, config, activation } = await setup(NAMED, {}, {
      switchTo: async (target) => {
        switches.push(target.key);
        if (target.key === 'other') await fs.writeFile(file, 'python: [\n'); // the file breaks mid-switch
        return { switched: true, message: 'ok' };
      },
    });
    await registry.add({ key: 'other', path: '/usr/bin/python3' });
    await expect(activation.activate('other')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(switches).toEqual(['other', 'sys']);
    expect(config.valid).toBe(false);
  });

  it('forgets status and facts of an entry whose path was changed by hand', async () => {
    const { file, registry, config } = await setup(NAMED, {}, { validator: async () => ({ ok: true, checks: [], version: '3.11.2', implementation: 'cpython', packages: [], durationMs: 1 }) });
    await registry.validate('sys');
    registry.setFacts('sys', { version: '3.11.2', implementation: 'cpython', kind: 'system' });
    expect(registry.list().interpreters[0]).toMatchObject({ status: 'ready', version: '3.11.2', kind: 'system' });
    const text = (await fs.readFile(file, 'utf8')).replace('path: /usr/bin/python3', 'path: /usr/bin/python3.11');
    await fs.writeFile(file, text.replace(/validated: true/, 'validated: false'));
    await config.checkDisk();
    expect(registry.list().interpreters[0]).toMatchObject({ status: 'error', version: null, kind: null });
  });

  it('resolves a relative venv_path against the config folder, and ~ against the home folder', async () => {
    const { dir, registry } = await setup(`${NAMED}      venv_path: .venv\n    two:\n      path: /usr/bin/python3\n      venv_path: ~/envs/two\n`);
    expect((await registry.resolve('sys')).venv_path).toBe(path.join(dir, '.venv'));
    expect((await registry.resolve('two')).venv_path).toBe(path.join(os.homedir(), 'envs', 'two'));
  });

  it('lets a guard (a running package job) refuse a removal with 409', async () => {
    let guarding = true;
    const { registry, activation } = await setup(NAMED, {}, { busy: (name) => (guarding && name === 'busy' ? 'a package job is running for it' : null) });
    await registry.add({ key: 'busy', path: '/usr/bin/python3' });
    await expect(activation.remove('busy')).rejects.toMatchObject({ code: 'CONFLICT', message: 'a package job is running for it' });
    guarding = false;
    await expect(activation.remove('busy')).resolves.toEqual({ removed: 'busy' });
  });
});
