/**
 * Plugin → interpreter bindings (`plugins.settings.<name>.interpreter`): set and cleared through the
 * config file like every other setting, so a hand edit is followed the same way (the executor
 * wing's router reads the settings at each call).
 */
import type { PluginBinding } from '../../../shared/dto/plugins.js';
import { notFound } from '../app-error.js';
import type { ConfigStore } from '../config/store.js';
import type { Settings } from '../config/schema.js';
import type { Logger } from '../logging/logger.js';

/** The plugins bound to interpreter `key`, sorted. */
export function pluginsBoundTo(settings: Settings, key: string): string[] {
  return Object.entries(settings.plugins.settings)
    .filter(([, s]) => s.interpreter === key)
    .map(([plugin]) => plugin)
    .sort();
}

export interface BindingDeps {
  config: Pick<ConfigStore, 'edit' | 'settings'>;
  /** Whether an interpreter of that name is configured. */
  has(name: string): boolean;
  logger: Logger;
}

/** Binds `plugin` to interpreter `key`, or back to the active interpreter (`key` null). */
export async function bindPlugin(deps: BindingDeps, plugin: string, key: string | null): Promise<PluginBinding> {
  await deps.config.edit((doc) => {
    const at = ['plugins', 'settings', plugin];
    if (key !== null) {
      if (!deps.has(key)) throw notFound(`no interpreter named '${key}' (plugin '${plugin}' was not bound)`);
      doc.setIn([...at, 'interpreter'], key);
      return;
    }
    if (!doc.hasIn([...at, 'interpreter'])) return;
    doc.deleteIn([...at, 'interpreter']);
    const isEmpty = (p: string[]): boolean => (doc.getIn(p) as { items?: unknown[] } | undefined)?.items?.length === 0;
    if (isEmpty(at)) doc.deleteIn(at);
    if (!isEmpty(['plugins', 'settings'])) return;
    doc.deleteIn(['plugins', 'settings']);
    if (isEmpty(['plugins'])) doc.deleteIn(['plugins']);
  });
  deps.logger.child('interpreters').info(key === null ? `plugin '${plugin}' runs under the active interpreter again` : `plugin '${plugin}' now runs under interpreter '${key}'`);
  return { name: plugin, interpreter: deps.config.settings.plugins.settings[plugin]?.interpreter ?? null };
}
