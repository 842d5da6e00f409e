import type { EffectiveValue } from '../../../shared/dto/config.js';
import { DEFAULTS, SETTING_KEYS, type ConfigFile, type SettingKey, type Settings } from './schema.js';

/** Environment variables that override settings in memory (never written back to the file). */
export const ENV_OVERRIDES: ReadonlyArray<{ env: string; key: SettingKey; parse: (raw: string) => unknown }> = [
  { env: 'WEBHOOK_BRIDGE_PYTHON_PATH', key: 'python.interpreter', parse: (v) => v },
  { env: 'WEBHOOK_BRIDGE_ACTIVE_INTERPRETER', key: 'python.active_interpreter', parse: (v) => v },
  { env: 'WEBHOOK_BRIDGE_EXECUTOR_HOST', key: 'executor.host', parse: (v) => v },
  { env: 'WEBHOOK_BRIDGE_EXECUTOR_PORT', key: 'executor.port', parse: parsePort },
  { env: 'WEBHOOK_BRIDGE_HOST', key: 'server.host', parse: (v) => v },
  { env: 'WEBHOOK_BRIDGE_PORT', key: 'server.port', parse: parsePort },
];

function parsePort(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65535) throw new Error(`expected a port number 0-65535, got '${raw}'`);
  return n;
}

function readKey(file: ConfigFile, key: SettingKey): unknown {
  let node: unknown = file;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

export interface Effective {
  settings: Settings;
  values: EffectiveValue[];
  /** Problems with environment overrides (a bad port…): reported, the override is ignored. */
  envErrors: string[];
}

/** Applies defaults, then the file, then environment overrides; records where each value came from. */
export function resolveSettings(file: ConfigFile, env: Readonly<Record<string, string | undefined>>): Effective {
  const flat = new Map<SettingKey, EffectiveValue>();
  const envErrors: string[] = [];
  for (const key of SETTING_KEYS) {
    const fromFile = readKey(file, key);
    flat.set(key, fromFile === undefined ? { key, value: DEFAULTS[key], source: 'default' } : { key, value: fromFile, source: 'file' });
  }
  for (const o of ENV_OVERRIDES) {
    const raw = env[o.env];
    if (raw === undefined || raw === '') continue;
    try {
      flat.set(o.key, { key: o.key, value: o.parse(raw), source: 'environment', env: o.env });
    } catch (err) {
      envErrors.push(`${o.env}: ${(err as Error).message}`);
    }
  }
  const v = <T>(key: SettingKey): T => flat.get(key)?.value as T;
  const settings: Settings = {
    python: {
      interpreter: v<string | null>('python.interpreter'),
      active_interpreter: v<string | null>('python.active_interpreter'),
      auto_download_uv: v<boolean>('python.auto_download_uv'),
      venv_path: v<string>('python.venv_path'),
      interpreters: { ...(file.python?.interpreters ?? {}) },
    },
    executor: {
      mode: v<'spawn' | 'external'>('executor.mode'),
      host: v<string | null>('executor.host'),
      port: v<number | null>('executor.port'),
      timeout: v<number>('executor.timeout'),
      max_restarts: v<number>('executor.max_restarts'),
      restart_window: v<number>('executor.restart_window'),
      threads: v<number>('executor.threads'),
      queue_size: v<number>('executor.queue_size'),
      queue_timeout: v<number>('executor.queue_timeout'),
      bound_idle_seconds: v<number>('executor.bound_idle_seconds'),
      workers: v<Settings['executor']['workers']>('executor.workers'),
      reload_interval_seconds: v<number>('executor.reload_interval_seconds'),
      max_streams: v<number>('executor.max_streams'),
    },
    server: { host: v<string>('server.host'), port: v<number>('server.port'), metrics_unauthenticated: v<boolean>('server.metrics_unauthenticated') },
    plugins: { dirs: [...v<readonly string[]>('plugins.dirs')], legacy_envelope: v<boolean>('plugins.legacy_envelope'),
      legacy_generation: v<Settings['plugins']['legacy_generation']>('plugins.legacy_generation'),
      upstream_layout: file.plugins === undefined && file.python?.interpreter !== undefined && file.python.interpreters === undefined,
      settings: { ...(file.plugins?.settings ?? {}) },
    },
    inbox: {
      enabled: v<boolean>('inbox.enabled'),
      max_deliveries: v<number>('inbox.max_deliveries'),
      max_bytes: v<number>('inbox.max_bytes'),
      max_age_days: v<number>('inbox.max_age_days'),
      redact_headers: [...v<readonly string[]>('inbox.redact_headers')],
      dedup_window_seconds: v<number>('inbox.dedup_window_seconds'),
      max_attempts: v<number>('inbox.max_attempts'),
      max_age_seconds: v<number>('inbox.max_age_seconds'),
      retry_initial_ms: v<number>('inbox.retry_initial_ms'),
      retry_max_ms: v<number>('inbox.retry_max_ms'),
    },
    logging: { level: v<Settings['logging']['level']>('logging.level') },
  };
  return { settings, values: [...flat.values()], envErrors };
}
