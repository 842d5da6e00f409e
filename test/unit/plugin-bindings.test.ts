/**
 * `plugins.settings.<name>.interpreter` in the config: checked against the configured interpreters
 * (a hand edit naming an unknown one is refused with the plugin and the key, the last good settings
 * keep running), set and cleared through the config store, and a bound interpreter cannot be removed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../electron/core/config/store.js';
import { issueToString, parseConfig } from '../../electron/core/config/validate.js';
import { EventBus } from '../../electron/core/events.js';
import { bindPlugin, pluginsBoundTo } from '../../electron/core/interpreters/bindings.js';
import { Logger } from '../../electron/core/logging/logger.js';
import { tempDir } from '../helpers/bridge.js';
import { registryFor } from '../helpers/activation.js';

const logger = Logger.create({ level: 'error', sinks: [] });
const open: ConfigStore[] = [];
afterEach(() => open.splice(0).forEach((c) => c.dispose()));

const BASE = ['python:', '  interpreters:', '    system:', '      path: /usr/bin/python3', '    venv:', '      path: /usr/bin/python3', '  active_interpreter: system', ''].join('\n');

async function store(text: string) {
  const file = path.join(tempDir(), 'config.yaml');
  await fs.writeFile(file, text);
  const config = await ConfigStore.open({ path: file, env: {}, logger, watch: false, debounceMs: 30 });
  open.push(config);
  return { file, config, registry: registryFor(config, new EventBus(), logger) };
}

describe('plugin interpreter bindings in the config', () => {
  it('refuses a binding to an unknown interpreter, naming the plugin, the key and the line', () => {
    const text = `${BASE}plugins:\n  settings:\n    ml:\n      interpreter: nope\n    ok:\n      interpreter: venv\n`;
    expect(parseConfig(text).errors.map(issueToString)).toEqual([
      "plugins.settings.ml.interpreter: plugin 'ml' is bound to interpreter 'nope', which is not configured under python.interpreters (configured: 'system', 'venv') (line 11)",
    ]);
  });

  it("accepts 'default' for the legacy python.interpreter and refuses a bad plugin name", () => {
    expect(parseConfig('python:\n  interpreter: auto\nplugins:\n  settings:\n    ml:\n      interpreter: default\n').errors).toEqual([]);
    const msgs = parseConfig(`${BASE}plugins:\n  settings:\n    "../x":\n      interpreter: venv\n`).errors.map(issueToString);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(/^plugins\.settings\.\.\.\/x: invalid plugin name '\.\.\/x'/);
  });

  it('keeps the last good bindings when a hand edit names an unknown interpreter', async () => {
    const { file, config } = await store(`${BASE}plugins:\n  settings:\n    ml:\n      interpreter: venv\n`);
    expect(config.settings.plugins.settings).toEqual({ ml: { interpreter: 'venv' } });
    await fs.writeFile(file, `${BASE}plugins:\n  settings:\n    ml:\n      interpreter: gone\n`);
    await config.checkDisk();
    expect(config.valid).toBe(false);
    expect(config.view.errors.map((e) => e.message).join('\n')).toContain("plugin 'ml' is bound to interpreter 'gone'");
    expect(config.settings.plugins.settings).toEqual({ ml: { interpreter: 'venv' } });
  });

  it('sets and clears a binding, leaving no empty maps behind', async () => {
    const { file, config, registry } = await store(BASE);
    const deps = { config, has: (n: string) => registry.has(n), logger };
    expect(await bindPlugin(deps, 'ml', 'venv')).toEqual({ name: 'ml', interpreter: 'venv' });
    expect(config.settings.plugins.settings).toEqual({ ml: { interpreter: 'venv' } });
    expect(pluginsBoundTo(config.settings, 'venv')).toEqual(['ml']);
    await expect(bindPlugin(deps, 'ml', 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await bindPlugin(deps, 'ml', null)).toEqual({ name: 'ml', interpreter: null });
    expect(await fs.readFile(file, 'utf8')).toBe(BASE);
    expect(await bindPlugin(deps, 'ml', null)).toEqual({ name: 'ml', interpreter: null });
  });

  it('refuses to remove a bound interpreter with 409 naming every plugin bound to it', async () => {
    const { registry } = await store(`${BASE}plugins:\n  settings:\n    b:\n      interpreter: venv\n    a:\n      interpreter: venv\n`);
    const err = await registry.remove('venv').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFLICT', details: { plugins: ['a', 'b'] } });
    expect((err as Error).message).toContain("'a', 'b'");
    expect(registry.has('venv')).toBe(true);
  });

  it('reports why a bound interpreter cannot run plugins', async () => {
    const { registry } = await store(`${BASE.replace('    venv:\n      path: /usr/bin/python3', '    venv:\n      path: /no/such/python')}`);
    expect(registry.problem('system')).toBeNull();
    expect(registry.problem('venv')).toContain('/no/such/python');
    expect(registry.problem('other')).toContain("no interpreter named 'other'");
  });
});
