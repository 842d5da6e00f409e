import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { platformPaths, resolveAppPaths } from '../../electron/core/paths.js';
import { loadOrCreateToken } from '../../electron/core/token.js';
import { tempDir } from '../helpers/bridge.js';

describe('platform paths', () => {
  it('uses the XDG folders on Linux and the usual folders elsewhere', () => {
    expect(platformPaths({ platform: 'linux', env: {}, home: '/home/u' })).toEqual({
      configDir: '/home/u/.config/webhook-bridge',
      logDir: '/home/u/.local/state/webhook-bridge/logs',
      dataDir: '/home/u/.local/share/webhook-bridge',
    });
    expect(platformPaths({ platform: 'linux', env: { XDG_CONFIG_HOME: '/x' }, home: '/h' }).configDir).toBe('/x/webhook-bridge');
    expect(platformPaths({ platform: 'darwin', env: {}, home: '/Users/u' }).configDir).toBe('/Users/u/Library/Application Support/webhook-bridge');
    expect(platformPaths({ platform: 'win32', env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, home: 'C:\\Users\\u' }).configDir).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\webhook-bridge',
    );
  });

  it('takes --config, else WEBHOOK_BRIDGE_CONFIG, else the user config folder; the token sits beside it', () => {
    const info = { platform: 'linux' as const, env: { WEBHOOK_BRIDGE_CONFIG: '/etc/wb.yaml' }, home: '/home/u' };
    expect(resolveAppPaths(info, 'my.yaml', '/work')).toMatchObject({ configFile: '/work/my.yaml', tokenFile: '/work/api-token', configFrom: '--config' });
    expect(resolveAppPaths(info)).toMatchObject({ configFile: '/etc/wb.yaml', configFrom: 'WEBHOOK_BRIDGE_CONFIG' });
    expect(resolveAppPaths({ ...info, env: {} }).configFile).toBe('/home/u/.config/webhook-bridge/config.yaml');
  });
});

describe('API token', () => {
  it('creates 32 random bytes in a 0600 file once, and reads the same token again', async () => {
    const file = path.join(tempDir(), 'sub', 'api-token');
    const a = await loadOrCreateToken(file, {});
    expect(a.source).toEqual({ kind: 'file', path: file, created: true });
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const b = await loadOrCreateToken(file, {});
    expect(b.token).toBe(a.token);
    expect(b.source).toMatchObject({ created: false });
  });

  it('tightens a token file with loose permissions and prefers WEBHOOK_BRIDGE_API_TOKEN', async () => {
    const file = path.join(tempDir(), 'api-token');
    const a = await loadOrCreateToken(file, {});
    await fs.chmod(file, 0o644);
    await loadOrCreateToken(file, {});
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const env = await loadOrCreateToken(file, { WEBHOOK_BRIDGE_API_TOKEN: 'x'.repeat(40) });
    expect(env).toEqual({ token: 'x'.repeat(40), source: { kind: 'environment' } });
    await expect(loadOrCreateToken(file, { WEBHOOK_BRIDGE_API_TOKEN: 'short' })).rejects.toThrow(/at least 16/);
    expect(a.token).not.toBe(env.token);
  });
});
