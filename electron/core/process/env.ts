/** Secrets of the app that no child process (executor, plugins, pip, probes) may inherit. */
export const WITHHELD_ENV: readonly string[] = ['WEBHOOK_BRIDGE_API_TOKEN', 'WEBHOOK_BRIDGE_EXECUTOR_TOKEN', 'WEBHOOK_BRIDGE_EXECUTOR_NONCE'];

/** The environment a child process gets: the app's without its secrets, then `extra` on top. */
export function childEnv(
  base: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !WITHHELD_ENV.includes(k.toUpperCase())) env[k] = v;
  return Object.assign(env, extra);
}

/** The app's own API token: removed from every environment a child gets, even a complete one the caller built. */
const APP_TOKEN_ENV = 'WEBHOOK_BRIDGE_API_TOKEN';

/** `env` without the app's API token (the executor's token and nonce are set on purpose by its launcher). */
export function withoutAppToken(env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.toUpperCase() !== APP_TOKEN_ENV) out[k] = v;
  return out;
}
