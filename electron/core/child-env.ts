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
