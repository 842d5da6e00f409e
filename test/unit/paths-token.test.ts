import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { platformPaths, resolveAppPaths } from '../../electron/core/paths.js';
import { envTokenProblem, loadOrCreateToken } from '../../electron/core/token.js';
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
    const good = 'Zq3-vR8_kT1w9yLm4pX7cN2b';
    const env = await loadOrCreateToken(file, { WEBHOOK_BRIDGE_API_TOKEN: good });
    expect(env).toEqual({ token: good, source: { kind: 'environment' } });
    await expect(loadOrCreateToken(file, { WEBHOOK_BRIDGE_API_TOKEN: 'short' })).rejects.toThrow(/at least 16/);
    expect(a.token).not.toBe(env.token);
  });
});

const IS_ROOT = process.getuid?.() === 0;
const modeOf = async (f: string): Promise<number> => (await fs.stat(f)).mode & 0o777;

describe('API token file trust (B8)', () => {
  it('a symlink in its place is refused, never followed, and its target is not chmod-ed', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'elsewhere');
    await fs.writeFile(target, `${'a'.repeat(43)}\n`, { mode: 0o644 });
    const file = path.join(dir, 'api-token');
    await fs.symlink(target, file);
    await expect(loadOrCreateToken(file, {})).rejects.toThrow(`${file} is a symbolic link; the API token file must be a regular file: remove it (rm ${file})`);
    expect(await modeOf(target)).toBe(0o644);
    expect((await fs.lstat(file)).isSymbolicLink()).toBe(true);
  });

  it('a dangling symlink is not followed to create a file where it points', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'api-token');
    await fs.symlink(path.join(dir, 'created-through-link'), file);
    await expect(loadOrCreateToken(file, {})).rejects.toThrow(/symbolic link/);
    await expect(fs.stat(path.join(dir, 'created-through-link'))).rejects.toThrow(/ENOENT/);
  });

  it('a token file writable by group or others is refused with the chmod that fixes it, and left as it is', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'api-token');
    await fs.writeFile(file, `${'b'.repeat(43)}\n`);
    await fs.chmod(file, 0o666);
    await expect(loadOrCreateToken(file, {})).rejects.toThrow(`writable by group and others (mode 0666): anyone who can write it controls what the app runs; check its content, then fix with: chmod go-w ${file}`);
    expect(await modeOf(file)).toBe(0o666);
  });

  it('a folder writable by others is refused', async () => {
    const dir = tempDir();
    await fs.chmod(dir, 0o777);
    await expect(loadOrCreateToken(path.join(dir, 'api-token'), {})).rejects.toThrow(/folder is not used: .* is writable by group and others \(mode 0777\)/);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it.skipIf(!IS_ROOT)('a token file planted by another user is refused, not chmod-ed, not used', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'api-token');
    await fs.writeFile(file, `${'c'.repeat(43)}\n`, { mode: 0o644 });
    await fs.chown(file, 65534, 65534);
    await expect(loadOrCreateToken(file, {})).rejects.toThrow(/is owned by another user \(uid 65534\).*chown 0 /);
    expect(await modeOf(file)).toBe(0o644);
    // the same file is fine for the user who owns it (the uid is injected: the pure rule)
    expect((await loadOrCreateToken(file, {}, { uid: 65534 })).token).toBe('c'.repeat(43));
  });

  it('as a non-root user, a root-owned token file is trusted; another user\'s gives a clear message, not EPERM', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'api-token');
    const a = await loadOrCreateToken(file, {});
    const owner = (await fs.stat(file)).uid;
    if (owner === 0) expect((await loadOrCreateToken(file, {}, { uid: 4242 })).token).toBe(a.token);
    else await expect(loadOrCreateToken(file, {}, { uid: owner + 1 })).rejects.toThrow(/owned by another user/);
  });
});

describe('WEBHOOK_BRIDGE_API_TOKEN checks (B9)', () => {
  it('refuses surrounding spaces, non-ASCII, too short and too easy to guess, without echoing it', () => {
    expect(envTokenProblem(' Zq3-vR8_kT1w9yLm4pX7cN2b')).toMatch(/spaces or line breaks around it/);
    expect(envTokenProblem('Zq3-vR8_kT1w9yLm4pX7cN2b\n')).toMatch(/spaces or line breaks around it/);
    expect(envTokenProblem('Zq3-vR8_kT1w9yLm4pX7cN2bé')).toMatch(/printable ASCII/);
    expect(envTokenProblem('Zq3-vR8_kT1')).toMatch(/at least 16 characters \(it has 11\)/);
    expect(envTokenProblem('x'.repeat(64))).toMatch(/too easy to guess \(about 0 bits/);
    expect(envTokenProblem('ab'.repeat(20))).toMatch(/too easy to guess/);
    expect(envTokenProblem('x'.repeat(64))).not.toContain('xxxx');
    expect(envTokenProblem('Zq3-vR8_kT1w9yLm4pX7cN2b')).toBeNull();
    expect(envTokenProblem('bench-token-0123456789abcdef0123456789')).toBeNull();
  });

  it('refuses them at start', async () => {
    const file = path.join(tempDir(), 'api-token');
    await expect(loadOrCreateToken(file, { WEBHOOK_BRIDGE_API_TOKEN: ' spaced-token-Zq3vR8kT1w9yLm4 ' })).rejects.toThrow(/spaces/);
    await expect(loadOrCreateToken(file, { WEBHOOK_BRIDGE_API_TOKEN: 'a'.repeat(40) })).rejects.toThrow(/too easy to guess/);
  });
});
