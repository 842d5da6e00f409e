/**
 * electron-builder.yml: valid for electron-builder's schema, fuses as intended, and the extra
 * resources where the shell looks for them when packaged (electron/main/paths.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveShellPaths } from '../../electron/main/paths.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const config = parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as {
  files: string[];
  asar: boolean;
  extraResources: Array<{ from: string; to: string }>;
  electronFuses: Record<string, boolean>;
  linux: { target: string[] };
  mac: { target: string };
  win: { target: string };
};

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own configuration schema', async () => {
    const require = createRequire(import.meta.url);
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration(c: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('turns off RunAsNode, NODE_OPTIONS and the inspect flags; encrypts cookies; checks the asar', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('builds AppImage + deb, dmg and nsis from an asar of the compiled shell and dashboard', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toBe('dmg');
    expect(config.win.target).toBe('nsis');
    expect(config.asar).toBe(true);
    expect(config.files).toEqual(expect.arrayContaining(['package.json', 'dist/electron/main/**/*', 'dist-renderer/**/*']));
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/electron/main/index.js');
  });

  it('ships python, plugins and proto where the packaged shell looks for them', () => {
    const res = '/opt/app/resources';
    const p = resolveShellPaths({ isPackaged: true, appPath: `${res}/app.asar`, resourcesPath: res, mainDir: `${res}/app.asar/dist/electron/main` });
    const shipped = Object.fromEntries(config.extraResources.map((r) => [r.from, path.join(res, r.to)]));
    expect(shipped).toEqual({
      'resources/python': path.join(p.resourcesDir, 'python'),
      'resources/plugins': path.join(p.resourcesDir, 'plugins'),
      proto: p.protoDir,
    });
  });
});
