import { describe, expect, it } from 'vitest';
import { createDiscovery } from '../../electron/core/interpreters/discovery/discovery.js';
import { parseRegQuery } from '../../electron/core/interpreters/discovery/windows-listings.js';
import type { DiscoveredInterpreter, DiscoveryDeps } from '../../electron/core/interpreters/discovery/types.js';
import { fakeProbe, MemFs, PY_LIST_PATHS_NEW, REG_QUERY_LISTING } from './discovery-fixture.js';

function peBytes(machine: number): Uint8Array {
  const bytes = new Uint8Array(256);
  const view = new DataView(bytes.buffer);
  bytes.set([0x4d, 0x5a]);
  view.setUint32(0x3c, 0x80, true);
  view.setUint32(0x80, 0x50450000);
  view.setUint16(0x84, machine, true);
  return bytes;
}

function machoBytes(cpus: number[]): Uint8Array {
  const bytes = new Uint8Array(64);
  const view = new DataView(bytes.buffer);
  if (cpus.length === 1) {
    view.setUint32(0, 0xcffaedfe);
    view.setUint32(4, cpus[0] ?? 0, true);
    return bytes;
  }
  view.setUint32(0, 0xcafebabe);
  view.setUint32(4, cpus.length);
  cpus.forEach((cpu, i) => view.setUint32(8 + i * 20, cpu));
  return bytes;
}

const patch = (version: string): string => `#define PY_VERSION "${version}"\n`;
const find = (list: DiscoveredInterpreter[], p: string) =>
  list.find((i) => [i.path, ...i.aliases].some((a) => a.toLowerCase() === p.toLowerCase()));

describe('discovery on a Windows layout (in-memory)', () => {
  const programs = 'C:\\Users\\me\\AppData\\Local\\Programs\\Python';
  const apps = 'C:\\Users\\me\\AppData\\Local\\Microsoft\\WindowsApps';

  function windowsDeps(): { deps: DiscoveryDeps; probe: ReturnType<typeof fakeProbe> } {
    const fs = new MemFs(true)
      .file(`${programs}\\Python311\\python.exe`, peBytes(0x8664))
      .file(`${programs}\\Python312\\python.exe`, peBytes(0x8664))
      .file(`${programs}\\Python312\\include\\patchlevel.h`, patch('3.12.3'))
      .file('C:\\Program Files (x86)\\Python312-32\\python.exe', peBytes(0x14c))
      .file('C:\\Program Files (x86)\\Python312-32\\include\\patchlevel.h', patch('3.12.1'))
      .file('C:\\Users\\me\\anaconda3\\python.exe', peBytes(0x8664))
      .file('C:\\Users\\me\\anaconda3\\conda-meta\\python-3.9.12-h6244533_0.json', '{}')
      .file('C:\\Tools\\Python310-32\\python.exe', peBytes(0x14c))
      .file(`${apps}\\python.exe`, '')
      .file(`${apps}\\python3.12.exe`, '')
      .file('C:\\Users\\me\\.pyenv\\pyenv-win\\versions\\3.9.13\\python.exe', peBytes(0x8664))
      .file('C:\\work\\proj\\.venv\\pyvenv.cfg', `home = ${programs}\\Python311\r\nversion = 3.11.4\r\n`)
      .file('C:\\work\\proj\\.venv\\Scripts\\python.exe', peBytes(0x8664));
    const probe = fakeProbe({
      'C:\\Tools\\Python310-32\\python.exe': { version: '3.10.11', prefix: 'C:\\Tools\\Python310-32' },
      [`${apps}\\python3.12.exe`]: { version: '3.12.7', prefix: 'C:\\Program Files\\WindowsApps\\PythonSoftwareFoundation.Python.3.12' },
    });
    const deps: DiscoveryDeps = {
      platform: 'win32',
      env: {
        Path: `${programs.toLowerCase()}\\python311\\;${apps};C:\\Windows\\system32`,
        LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local',
        APPDATA: 'C:\\Users\\me\\AppData\\Roaming',
      },
      homeDir: 'C:\\Users\\me',
      cwd: 'C:\\work\\proj',
      fs,
      runProbe: probe.runProbe,
      now: () => performance.now(),
      readRegistry: async () => ({ keys: parseRegQuery(REG_QUERY_LISTING), processesStarted: 3 }),
      listPyLauncher: async () => ({ output: PY_LIST_PATHS_NEW, processesStarted: 1 }),
    };
    return { deps, probe };
  }

  it('combines registry, py launcher, Store, conda, pyenv-win and venvs', async () => {
    const { deps, probe } = windowsDeps();
    const { interpreters, stats } = await createDiscovery(deps).discover();
    expect(find(interpreters, `${programs}\\Python311\\python.exe`)).toMatchObject({
      kind: 'windows-registry',
      version: '3.11.4',
      versionSource: 'registry',
      architecture: 'x86_64',
      implementation: 'cpython',
    });
    expect(find(interpreters, `${programs}\\Python312\\python.exe`)).toMatchObject({ kind: 'py-launcher', version: '3.12.3', versionSource: 'patchlevel.h' });
    expect(find(interpreters, 'C:\\Program Files (x86)\\Python312-32\\python.exe')).toMatchObject({
      kind: 'windows-registry',
      version: '3.12.1',
      architecture: 'x86',
    });
    expect(find(interpreters, 'C:\\Users\\me\\anaconda3\\python.exe')).toMatchObject({ kind: 'conda', version: '3.9.12', versionSource: 'conda-meta' });
    expect(find(interpreters, 'C:\\Tools\\Python310-32\\python.exe')).toMatchObject({ kind: 'py-launcher', version: '3.10.11', versionSource: 'probe', architecture: 'x86' });
    expect(find(interpreters, `${apps}\\python3.12.exe`)).toMatchObject({ kind: 'windows-store', version: '3.12.7' });
    expect(find(interpreters, 'C:\\Users\\me\\.pyenv\\pyenv-win\\versions\\3.9.13\\python.exe')).toMatchObject({ kind: 'pyenv', version: '3.9.13' });
    expect(find(interpreters, 'C:\\work\\proj\\.venv\\Scripts\\python.exe')).toMatchObject({
      kind: 'venv',
      version: '3.11.4',
      baseInterpreter: `${programs}\\Python311\\python.exe`,
      broken: null,
    });
    // The App Installer stub in WindowsApps is not an interpreter; paths differing in case are one entry.
    expect(find(interpreters, `${apps}\\python.exe`)).toBeUndefined();
    expect(interpreters.filter((i) => i.path.toLowerCase().endsWith('python311\\python.exe'))).toHaveLength(1);
    expect(probe.calls.flat().sort()).toEqual(['C:\\Tools\\Python310-32\\python.exe', `${apps}\\python3.12.exe`]);
    expect(stats.processesStarted).toBe(3 + 1 + 2);
    expect(stats.sources.map((s) => s.name)).toEqual(['path', 'pyenv', 'conda', 'venv', 'uv', 'windows-registry', 'py-launcher', 'windows-store']);
  });
});

describe('discovery on a macOS layout (in-memory)', () => {
  const framework = '/Library/Frameworks/Python.framework/Versions';
  const cellar = '/opt/homebrew/Cellar/python@3.13/3.13.1';
  const brewVersions = `${cellar}/Frameworks/Python.framework/Versions/3.13`;

  function macFs(): MemFs {
    return new MemFs(false)
      .file(`${framework}/3.12/bin/python3.12`, machoBytes([0x01000007, 0x0100000c]))
      .symlink(`${framework}/3.12/bin/python3`, 'python3.12')
      .file(`${framework}/3.12/include/python3.12/patchlevel.h`, patch('3.12.4'))
      .symlink(`${framework}/Current`, '3.12')
      .file(`${brewVersions}/bin/python3.13`, machoBytes([0x0100000c]))
      .file(`${brewVersions}/include/python3.13/patchlevel.h`, patch('3.13.1'))
      .symlink(`${cellar}/bin/python3`, '../Frameworks/Python.framework/Versions/3.13/bin/python3.13')
      .symlink('/opt/homebrew/opt/python@3.13', '../Cellar/python@3.13/3.13.1')
      .symlink('/opt/homebrew/bin/python3', '../Cellar/python@3.13/3.13.1/bin/python3')
      .file('/usr/bin/python3', machoBytes([0x01000007, 0x0100000c]));
  }

  function macDeps(fs: MemFs, probe = fakeProbe({ '/usr/bin/python3': { version: '3.9.6', prefix: '/Library/Developer/CommandLineTools/usr' } })) {
    const deps: DiscoveryDeps = {
      platform: 'darwin',
      env: { PATH: '/opt/homebrew/bin:/usr/bin:/bin' },
      homeDir: '/Users/me',
      cwd: '/Users/me',
      fs,
      runProbe: probe.runProbe,
      now: () => performance.now(),
    };
    return { deps, probe };
  }

  it('finds the python.org framework and Homebrew, and skips the /usr/bin/python3 stub', async () => {
    const { deps, probe } = macDeps(macFs());
    const { interpreters, stats } = await createDiscovery(deps).discover();
    expect(find(interpreters, `${framework}/3.12/bin/python3`)).toMatchObject({
      kind: 'macos-framework',
      version: '3.12.4',
      architecture: 'universal2',
    });
    const brew = find(interpreters, '/opt/homebrew/bin/python3');
    expect(brew).toMatchObject({ kind: 'homebrew', version: '3.13.1', architecture: 'arm64', prefix: brewVersions });
    expect(brew?.aliases).toContain('/opt/homebrew/opt/python@3.13/bin/python3');
    expect(find(interpreters, '/usr/bin/python3')).toBeUndefined();
    expect(probe.calls).toEqual([]);
    expect(stats.sources.map((s) => s.name)).toContain('macos-framework');
  });

  it('lists /usr/bin/python3 once the developer tools provide a real Python', async () => {
    const fs = macFs().file('/Library/Developer/CommandLineTools/usr/bin/python3', machoBytes([0x0100000c]));
    const { deps, probe } = macDeps(fs);
    const { interpreters } = await createDiscovery(deps).discover();
    expect(find(interpreters, '/usr/bin/python3')).toMatchObject({ kind: 'system', version: '3.9.6', versionSource: 'probe' });
    expect(probe.calls).toEqual([['/usr/bin/python3']]);
  });
});
