/** What a launch reads from the settings: plugin folders, transport, where the .proto files are. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config/schema.js';
import type { Transport } from './launch.js';

export function findProtoDir(resourcesDir: string): string {
  const inside = path.join(resourcesDir, 'proto');
  return existsSync(path.join(inside, 'webhook_bridge.proto')) ? inside : path.join(resourcesDir, '..', 'proto');
}

/** Where webhook_bridge looked for plugins beside its working folder (besides `plugins/`). */
export const UPSTREAM_PLUGIN_DIRS = ['example_plugins', 'webhook_plugins'];

/**
 * Configured plugin folders (relative to the config file's folder), then the bundled examples. A
 * webhook_bridge config (`settings.plugins.upstream_layout`) also gets upstream's example_plugins/
 * and webhook_plugins/ beside the config file when they exist.
 */
export function pluginDirsOf(settings: Settings, configFile: string, resourcesDir: string, home: string): string[] {
  const base = path.dirname(configFile);
  const dirs = settings.plugins.dirs.map((d) => {
    const expanded = d === '~' ? home : d.startsWith('~/') ? path.join(home, d.slice(2)) : d;
    return path.resolve(base, expanded);
  });
  if (settings.plugins.upstream_layout) {
    dirs.push(...UPSTREAM_PLUGIN_DIRS.map((d) => path.join(base, d)).filter((d) => existsSync(d)));
  }
  const bundled = path.join(resourcesDir, 'plugins');
  return [...new Set([...dirs, bundled])];
}

export function transportOf(settings: Settings, platform: NodeJS.Platform, othersAlive: boolean): Transport {
  const { host, port } = settings.executor;
  if (platform !== 'win32' && host === null && port === null) return { kind: 'unix' };
  // A fixed port is still held by the old executor during a live switch: the new one takes a free port.
  return { kind: 'tcp', host: host ?? '127.0.0.1', port: port !== null && !othersAlive ? port : 0 };
}
