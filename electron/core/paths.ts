import path from 'node:path';

export interface PlatformInfo {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
}

export interface AppPaths {
  configDir: string;
  configFile: string;
  tokenFile: string;
  logDir: string;
  dataDir: string;
}

const APP = 'webhook-bridge';

/** The platform's folders for the app's config, logs and data (same places Electron would use). */
export function platformPaths({ platform, env, home }: PlatformInfo): Omit<AppPaths, 'configFile' | 'tokenFile'> {
  if (platform === 'win32') {
    const appData = env['APPDATA'] ?? path.win32.join(home, 'AppData', 'Roaming');
    const local = env['LOCALAPPDATA'] ?? path.win32.join(home, 'AppData', 'Local');
    return {
      configDir: path.win32.join(appData, APP),
      logDir: path.win32.join(appData, APP, 'logs'),
      dataDir: path.win32.join(local, APP),
    };
  }
  if (platform === 'darwin') {
    const support = path.posix.join(home, 'Library', 'Application Support', APP);
    return { configDir: support, logDir: path.posix.join(home, 'Library', 'Logs', APP), dataDir: support };
  }
  const config = env['XDG_CONFIG_HOME'] || path.posix.join(home, '.config');
  const data = env['XDG_DATA_HOME'] || path.posix.join(home, '.local', 'share');
  const state = env['XDG_STATE_HOME'] || path.posix.join(home, '.local', 'state');
  return {
    configDir: path.posix.join(config, APP),
    logDir: path.posix.join(state, APP, 'logs'),
    dataDir: path.posix.join(data, APP),
  };
}

/**
 * Where the config file is: `--config`, else WEBHOOK_BRIDGE_CONFIG, else the user config folder.
 * The token file sits beside the config file.
 */
export function resolveAppPaths(info: PlatformInfo, configFlag?: string, cwd = process.cwd()): AppPaths & { configFrom: string } {
  const base = platformPaths(info);
  const fromEnv = info.env['WEBHOOK_BRIDGE_CONFIG'];
  const chosen = configFlag ?? fromEnv;
  const configFile = chosen ? path.resolve(cwd, chosen) : path.join(base.configDir, 'config.yaml');
  const configFrom = configFlag ? '--config' : fromEnv ? 'WEBHOOK_BRIDGE_CONFIG' : 'the user config folder';
  return { ...base, configFile, tokenFile: path.join(path.dirname(configFile), 'api-token'), configFrom };
}
