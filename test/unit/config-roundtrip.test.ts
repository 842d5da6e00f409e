import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../electron/core/config/store.js';
import { EventBus } from '../../electron/core/events.js';
import { Logger } from '../../electron/core/logging/logger.js';
import { activationFor, registryFor } from '../helpers/activation.js';
import { REPO_ROOT, tempDir } from '../helpers/bridge.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'config');
const fixedNow = () => new Date('2026-01-02T03:04:05.000Z');

async function setup(fixture: string) {
  const dir = tempDir();
  const file = path.join(dir, 'config.yaml');
  await fs.copyFile(path.join(FIXTURES, fixture), file);
  const logger = Logger.create({ level: 'error', sinks: [] });
  const config = await ConfigStore.open({ path: file, env: {}, logger, watch: false, now: fixedNow });
  const interpreters = registryFor(config, new EventBus(), logger, { now: fixedNow });
  const activation = activationFor(interpreters, config, logger);
  // the use-cases (activate, remove) where they live now, the rest from the registry
  const registry = { add: interpreters.add.bind(interpreters), list: interpreters.list.bind(interpreters), activate: activation.activate, remove: activation.remove };
  return { dir, file, config, registry };
}

const comments = (text: string) => text.split('\n').filter((l) => l.includes('#')).map((l) => l.slice(l.indexOf('#')));

describe('config round-trips through API edits', () => {
  const open: ConfigStore[] = [];
  afterEach(() => open.splice(0).forEach((c) => c.dispose()));

  it('keeps every comment byte for byte through add, activate and remove (golden file)', async () => {
    const { file, config, registry } = await setup('commented.yaml');
    open.push(config);
    const original = await fs.readFile(file, 'utf8');
    await registry.add({ key: 'uv-python', name: 'UV Python Environment', path: '/usr/bin/python3', required_packages: ['grpcio'] });
    await registry.activate('uv-python');
    await registry.remove('legacy-py');
    const edited = await fs.readFile(file, 'utf8');
    // every comment of the original is still there, unchanged, in the same order
    const removedBlockComments = ['# kept for old projects', '# odd spacing before this comment'];
    expect(comments(edited)).toEqual(comments(original).filter((c) => !removedBlockComments.includes(c)));
    const golden = await fs.readFile(path.join(FIXTURES, 'commented.after-edits.yaml'), 'utf8');
    expect(edited).toBe(golden);
  });

  it('leaves untouched lines exactly as written, including odd spacing', async () => {
    const { file, config, registry } = await setup('commented.yaml');
    open.push(config);
    const original = (await fs.readFile(file, 'utf8')).split('\n');
    await registry.activate('legacy-py');
    const edited = (await fs.readFile(file, 'utf8')).split('\n');
    expect(edited.length).toBe(original.length);
    const changed = edited.filter((l, i) => l !== original[i]);
    expect(changed).toEqual(['  active_interpreter: "legacy-py"']);
  });

  it('keeps the file mode and rotates backups of previous versions', async () => {
    const { file, config, registry } = await setup('commented.yaml');
    open.push(config);
    await fs.chmod(file, 0o640);
    const v0 = await fs.readFile(file, 'utf8');
    await registry.activate('legacy-py');
    const v1 = await fs.readFile(file, 'utf8');
    await registry.activate('system-python');
    await registry.activate('legacy-py');
    await registry.activate('system-python');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o640);
    expect(await fs.readFile(`${file}.bak.1`, 'utf8')).not.toBe(await fs.readFile(file, 'utf8'));
    expect(await fs.readFile(`${file}.bak.3`, 'utf8')).toBe(v1);
    await expect(fs.stat(`${file}.bak.4`)).rejects.toThrow();
    expect(v0).not.toBe(v1);
  });
});
