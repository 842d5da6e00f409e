import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProbeOutput } from '../../electron/core/interpreters/discovery/probe.js';
import { PROBE_MARKER } from '../../electron/core/interpreters/probe-script.js';
import {
  archFromHeader,
  fullVersion,
  normalizeArch,
  parsePatchlevel,
  parsePyvenvCfg,
  unsupportedVersionReason,
  versionFromExecutableName,
} from '../../electron/core/interpreters/discovery/version-files.js';
import { parsePyLauncherList, parseRegQuery, pep514Installs } from '../../electron/core/interpreters/discovery/windows-listings.js';
import { normalizePackageName, requirementName } from '../../electron/core/interpreters/validation.js';
import { PY_LIST_PATHS_NEW, PY_LIST_PATHS_OLD, REG_QUERY_LISTING } from './discovery-fixture.js';

describe('reg query parser and PEP 514', () => {
  it('parses keys and values, mapping any localized "(Default)" to the empty name', () => {
    const keys = parseRegQuery(REG_QUERY_LISTING);
    const install = keys.find((k) => k.key.endsWith('PythonCore\\3.11\\InstallPath'));
    expect(install?.values['']).toBe('C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python311\\');
    expect(install?.values['ExecutablePath']).toMatch(/Python311\\python\.exe$/);
    const launcher = keys.find((k) => k.key.endsWith('\\PyLauncher'));
    expect(launcher?.values).toEqual({});
    const wow = keys.find((k) => k.key.endsWith('3.12-32\\InstallPath'));
    expect(wow?.values['']).toBe('C:\\Program Files (x86)\\Python312-32\\');
  });

  it('lists installs with executable, version and architecture, skipping PyLauncher', () => {
    const installs = pep514Installs(parseRegQuery(REG_QUERY_LISTING));
    expect(installs).toHaveLength(3);
    expect(installs).toContainEqual(
      expect.objectContaining({
        company: 'PythonCore',
        tag: '3.11',
        executablePath: 'C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python311\\python.exe',
        version: '3.11.4',
        architecture: 'x86_64',
      }),
    );
    expect(installs).toContainEqual(
      expect.objectContaining({ company: 'ContinuumAnalytics', tag: 'Anaconda39-64', version: null, architecture: 'x86_64' }),
    );
    // No ExecutablePath: InstallPath + python.exe; the -32 tag means x86.
    expect(installs).toContainEqual(
      expect.objectContaining({ tag: '3.12-32', executablePath: 'C:\\Program Files (x86)\\Python312-32\\python.exe', architecture: 'x86' }),
    );
  });
});

describe('py launcher listing', () => {
  it('parses the new -V: format', () => {
    const entries = parsePyLauncherList(PY_LIST_PATHS_NEW);
    expect(entries.map((e) => e.path)).toEqual([
      'C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python312\\python.exe',
      'C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python311\\python.exe',
      'C:\\Tools\\Python310-32\\python.exe',
      'C:\\Users\\me\\anaconda3\\python.exe',
    ]);
    expect(entries[2]?.architecture).toBe('x86');
    expect(entries[3]?.architecture).toBe('x86_64');
  });

  it('parses the old format with the trailing default marker', () => {
    const entries = parsePyLauncherList(PY_LIST_PATHS_OLD);
    expect(entries).toEqual([
      { tag: '3.9-64', path: 'C:\\Python39\\python.exe', architecture: 'x86_64' },
      { tag: '3.8-32', path: 'C:\\Python38-32\\python.exe', architecture: 'x86' },
      { tag: '2.7-64', path: 'C:\\Python27\\python.exe', architecture: 'x86_64' },
    ]);
  });
});

describe('version files', () => {
  it('reads pyvenv.cfg written by venv, virtualenv and uv', () => {
    expect(parsePyvenvCfg('home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\nexecutable = /usr/bin/python3.11\n')).toEqual({
      home: '/usr/bin',
      executable: '/usr/bin/python3.11',
      version: '3.11.2',
      implementation: null,
    });
    const virtualenv = parsePyvenvCfg('home = /opt/py/bin\nimplementation = CPython\nversion_info = 3.10.13.final.0\nvirtualenv = 20.25.0\n');
    expect(virtualenv).toMatchObject({ version: '3.10.13', implementation: 'cpython' });
    expect(parsePyvenvCfg('home = C:\\Python312\r\nversion_info = 3.12.1\r\nuv = 0.4.0\r\n')).toMatchObject({ home: 'C:\\Python312', version: '3.12.1' });
    expect(parsePyvenvCfg('# no content').home).toBeNull();
  });

  it('reads PY_VERSION from patchlevel.h and tells PyPy apart', () => {
    expect(parsePatchlevel('#define PY_VERSION      \t"3.11.2"\n')).toEqual({ version: '3.11.2', implementation: 'cpython' });
    expect(parsePatchlevel('#define PY_VERSION "3.13.0rc1"\n')?.version).toBe('3.13.0');
    expect(parsePatchlevel('#define PY_VERSION "3.10.12"\n#define PYPY_VERSION "7.3.12"\n')?.implementation).toBe('pypy');
    expect(parsePatchlevel('/* nothing */')).toBeNull();
  });

  it('parses versions and names', () => {
    expect(fullVersion('3.11.7')).toBe('3.11.7');
    expect(fullVersion('3.11')).toBeNull();
    expect(versionFromExecutableName('python3.11')).toBe('3.11');
    expect(versionFromExecutableName('python3.6m')).toBe('3.6');
    expect(versionFromExecutableName('python3.13t')).toBe('3.13');
    expect(versionFromExecutableName('python3.12.exe')).toBe('3.12');
    expect(versionFromExecutableName('python3')).toBeNull();
    expect(versionFromExecutableName('python3.11-config')).toBeNull();
    expect(unsupportedVersionReason('2.7.18')).toBe('Python 2.7.18 is not supported (need 3.8+)');
    expect(unsupportedVersionReason('3.7.16')).toBe('Python 3.7.16 is not supported (need 3.8+)');
    expect(unsupportedVersionReason('3.8.0')).toBeNull();
    expect(unsupportedVersionReason('4.0.0')).toBeNull();
  });

  it('reads the architecture from ELF, Mach-O and PE headers', () => {
    const elf = new Uint8Array(readFileSync('/proc/self/exe').subarray(0, 64));
    expect(archFromHeader(elf)).toBe(normalizeArch(process.arch === 'x64' ? 'x86_64' : process.arch));
    const macho = new Uint8Array(32);
    new DataView(macho.buffer).setUint32(0, 0xcffaedfe);
    new DataView(macho.buffer).setUint32(4, 0x0100000c, true);
    expect(archFromHeader(macho)).toBe('arm64');
    const fat = new Uint8Array(64);
    const fatView = new DataView(fat.buffer);
    fatView.setUint32(0, 0xcafebabe);
    fatView.setUint32(4, 2);
    fatView.setUint32(8, 0x01000007);
    fatView.setUint32(28, 0x0100000c);
    expect(archFromHeader(fat)).toBe('universal2');
    const pe = new Uint8Array(256);
    const peView = new DataView(pe.buffer);
    pe.set([0x4d, 0x5a]);
    peView.setUint32(0x3c, 0x80, true);
    peView.setUint32(0x80, 0x50450000);
    peView.setUint16(0x84, 0xaa64, true);
    expect(archFromHeader(pe)).toBe('arm64');
    expect(archFromHeader(new TextEncoder().encode('#!/bin/sh\necho not a binary\n'))).toBeNull();
  });

  it('normalizes architecture names', () => {
    expect(normalizeArch('AMD64')).toBe('x86_64');
    expect(normalizeArch('AMD64', 32)).toBe('x86');
    expect(normalizeArch('aarch64')).toBe('arm64');
    expect(normalizeArch('i686')).toBe('x86');
    expect(normalizeArch('')).toBeNull();
  });
});

describe('probe output and requirement names', () => {
  it('parses the marked probe line among other output', () => {
    const stdout = `sitecustomize says hi\n${PROBE_MARKER}{"version": "2.7.18", "implementation": "CPython", "machine": "AMD64", "bits": 32, "prefix": "C:\\\\Python27", "base_prefix": "C:\\\\Python27", "executable": "C:\\\\Python27\\\\python.exe"}\n`;
    expect(parseProbeOutput(stdout)).toEqual({
      version: '2.7.18',
      implementation: 'cpython',
      architecture: 'x86',
      prefix: 'C:\\Python27',
      basePrefix: 'C:\\Python27',
      executable: 'C:\\Python27\\python.exe',
    });
    expect(parseProbeOutput('Python 3.11.2')).toBeNull();
    expect(parseProbeOutput(`${PROBE_MARKER}{not json`)).toBeNull();
  });

  it('normalizes distribution names per PEP 503 and strips specifiers', () => {
    expect(normalizePackageName('Google_Protobuf')).toBe('google-protobuf');
    expect(normalizePackageName('GRPCIO')).toBe(normalizePackageName('grpcio'));
    expect(normalizePackageName('zope.interface')).toBe('zope-interface');
    expect(requirementName('grpcio>=1.60')).toBe('grpcio');
    expect(requirementName('requests[socks] ; python_version < "3.9"')).toBe('requests');
    expect(requirementName('  ')).toBeNull();
  });
});
