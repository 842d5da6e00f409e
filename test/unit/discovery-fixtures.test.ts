import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscovery } from '../../electron/core/interpreters/discovery/discovery.js';
import type { DiscoveredInterpreter } from '../../electron/core/interpreters/discovery/types.js';
import { DiscoveryResultSchema } from '../../shared/interpreters-discovery.js';
import { depsFor, fakeExe, fakeProbe, link, patchlevel, posixInstall, tempRoot, textFile } from './discovery-fixture.js';

let root: string;
let home: string;
let pyenv: string;

const byPath = (list: DiscoveredInterpreter[], p: string): DiscoveredInterpreter | undefined =>
  list.find((i) => i.path === p || i.aliases.includes(p));

beforeAll(() => {
  root = tempRoot();
  home = path.join(root, 'home');
  pyenv = path.join(home, '.pyenv');
  const versions = path.join(pyenv, 'versions');
  // pyenv: versions with headers, one without (folder name), Python 2, PyPy (needs a probe).
  posixInstall(path.join(versions, '3.11.7'), '3.11.7');
  posixInstall(path.join(versions, '3.12.1'), '3.12.1');
  posixInstall(path.join(versions, '3.10.4'), '3.10.4', false);
  posixInstall(path.join(versions, '2.7.18'), '2.7.18');
  fakeExe(path.join(versions, 'pypy3.10-7.3.12', 'bin', 'pypy3.10'));
  link('pypy3.10', path.join(versions, 'pypy3.10-7.3.12', 'bin', 'python'));
  // pyenv-virtualenv: versions/3.11.7/envs/tools + the versions/tools alias.
  const envDir = path.join(versions, '3.11.7', 'envs', 'tools');
  textFile(path.join(envDir, 'pyvenv.cfg'), `home = ${path.join(versions, '3.11.7', 'bin')}\nversion = 3.11.7\n`);
  link(path.join(versions, '3.11.7', 'bin', 'python3.11'), path.join(envDir, 'bin', 'python'));
  link(envDir, path.join(versions, 'tools'));
  // pyenv shims on PATH must be ignored.
  fakeExe(path.join(pyenv, 'shims', 'python3'));

  // conda: base + envs/ds with conda-meta, plus an env listed only in environments.txt.
  const conda = path.join(home, 'miniconda3');
  posixInstall(conda, '3.12.2', false);
  textFile(path.join(conda, 'conda-meta', 'python-3.12.2-h996f2a0_0.json'), '{}');
  posixInstall(path.join(conda, 'envs', 'ds'), '3.10.14', false);
  textFile(path.join(conda, 'envs', 'ds', 'conda-meta', 'python-3.10.14-h955ad1f_1.json'), '{}');
  const elsewhere = path.join(root, 'elsewhere', 'env1');
  posixInstall(elsewhere, '3.9.19', false);
  textFile(path.join(elsewhere, 'conda-meta', 'python-3.9.19-h955ad1f_0.json'), '{}');
  textFile(path.join(home, '.conda', 'environments.txt'), `${conda}\n${path.join(conda, 'envs', 'ds')}\n${elsewhere}\n`);

  // A base install on PATH, a venv on top of it in the project, a symlink chain to it.
  const base = path.join(root, 'base');
  posixInstall(base, '3.12.4');
  const venv = path.join(root, 'project', '.venv');
  textFile(path.join(venv, 'pyvenv.cfg'), `home = ${path.join(base, 'bin')}\ninclude-system-site-packages = false\nversion = 3.12.4\nexecutable = ${path.join(base, 'bin', 'python3.12')}\n`);
  link(path.join(base, 'bin', 'python3'), path.join(venv, 'bin', 'python3'));
  link('python3', path.join(venv, 'bin', 'python'));
  link(path.join(root, 'chain', 'b'), path.join(root, 'chain', 'a'));
  link(path.join(base, 'bin', 'python3.12'), path.join(root, 'chain', 'b'));
  link(path.join(root, 'chain', 'a'), path.join(root, 'chainbin', 'python3'));

  // A configured venv whose base interpreter is gone, and a broken symlink on PATH.
  const orphan = path.join(root, 'configured', 'orphan', 'venv');
  textFile(path.join(orphan, 'pyvenv.cfg'), `home = ${path.join(root, 'gone', 'bin')}\nversion = 3.11.9\n`);
  link(path.join(root, 'gone', 'bin', 'python3.11'), path.join(orphan, 'bin', 'python'));
  link(path.join(root, 'nowhere', 'python3.9'), path.join(root, 'dangling', 'python3'));

  // Interpreters no file describes: one answers 3.13.1, one is Python 2, one times out.
  fakeExe(path.join(root, 'mystery', 'bin', 'python3'));
  fakeExe(path.join(root, 'old', 'bin', 'python'));
  fakeExe(path.join(root, 'slow', 'bin', 'python3'));
  // Not interpreters: a folder named python3, a file without the execute bit.
  textFile(path.join(root, 'noise', 'python3', 'x'), '');
  textFile(path.join(root, 'noise', 'python'), 'not executable');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function setup() {
  const probe = fakeProbe({
    [path.join(root, 'mystery', 'bin', 'python3')]: { version: '3.13.1', architecture: 'arm64' },
    [path.join(root, 'old', 'bin', 'python')]: { version: '2.7.18' },
    [path.join(root, 'slow', 'bin', 'python3')]: { ok: false, reason: 'did not answer within 3000 ms', transient: true },
    [path.join(pyenv, 'versions', 'pypy3.10-7.3.12', 'bin', 'python')]: { version: '3.10.13', implementation: 'pypy' },
  });
  const PATH = ['base', 'chainbin', 'dangling', 'mystery/bin', 'old/bin', 'slow/bin', 'noise']
    .map((d) => path.join(root, d))
    .concat(path.join(pyenv, 'shims'))
    .join(':');
  const configured = new Map([
    [path.join(root, 'project', '.venv', 'bin', 'python'), 'project'],
    [path.join(root, 'base', 'bin', 'python3.12'), 'base-by-realpath'],
  ]);
  const deps = depsFor(root, {
    env: { PATH: `${PATH}:${path.join(root, 'base', 'bin')}` },
    venvPaths: () => [path.join(root, 'configured', 'orphan')],
    configuredPaths: () => configured,
    runProbe: probe.runProbe,
  });
  return { discovery: createDiscovery(deps), probe };
}

describe('discovery on fixture trees', () => {
  it('finds pyenv versions with exact versions, from headers first and folder names second', async () => {
    const { discovery } = setup();
    const { interpreters } = await discovery.discover();
    const v = (name: string) => byPath(interpreters, path.join(pyenv, 'versions', name, 'bin', 'python'));
    expect(v('3.11.7')).toMatchObject({ kind: 'pyenv', version: '3.11.7', versionSource: 'patchlevel.h', implementation: 'cpython', broken: null });
    expect(v('3.12.1')?.version).toBe('3.12.1');
    expect(v('3.10.4')).toMatchObject({ version: '3.10.4', versionSource: 'path-name' });
    expect(v('2.7.18')).toMatchObject({ version: '2.7.18', broken: { reason: 'Python 2.7.18 is not supported (need 3.8+)' } });
    expect(v('pypy3.10-7.3.12')).toMatchObject({ version: '3.10.13', implementation: 'pypy', versionSource: 'probe' });
    // Aliases inside one version collapse; each version exactly once.
    expect(interpreters.filter((i) => i.kind === 'pyenv')).toHaveLength(5);
  });

  it('lists a pyenv-virtualenv once with its versions/<name> alias and never the shims', async () => {
    const { discovery } = setup();
    const { interpreters } = await discovery.discover();
    const env = interpreters.filter((i) => i.kind === 'pyenv-virtualenv');
    expect(env).toHaveLength(1);
    expect(env[0]).toMatchObject({
      path: path.join(pyenv, 'versions', '3.11.7', 'envs', 'tools', 'bin', 'python'),
      aliases: [path.join(pyenv, 'versions', 'tools', 'bin', 'python')],
      version: '3.11.7',
      versionSource: 'pyvenv.cfg',
      baseInterpreter: path.join(pyenv, 'versions', '3.11.7', 'bin', 'python'),
      prefix: path.join(pyenv, 'versions', '3.11.7', 'envs', 'tools'),
    });
    expect(interpreters.some((i) => [i.path, ...i.aliases].some((p) => p.includes(`${path.sep}shims${path.sep}`)))).toBe(false);
  });

  it('finds conda base, envs and environments.txt entries with versions from conda-meta', async () => {
    const { discovery } = setup();
    const conda = (await discovery.discover()).interpreters.filter((i) => i.kind === 'conda');
    expect(conda.map((c) => [c.prefix, c.version, c.versionSource]).sort()).toEqual(
      [
        [path.join(home, 'miniconda3'), '3.12.2', 'conda-meta'],
        [path.join(home, 'miniconda3', 'envs', 'ds'), '3.10.14', 'conda-meta'],
        [path.join(root, 'elsewhere', 'env1'), '3.9.19', 'conda-meta'],
      ].sort(),
    );
  });

  it('keeps a venv apart from its base, collapses symlink chains and marks configured entries', async () => {
    const { discovery } = setup();
    const { interpreters } = await discovery.discover();
    const venv = byPath(interpreters, path.join(root, 'project', '.venv', 'bin', 'python'));
    const base = byPath(interpreters, path.join(root, 'base', 'bin', 'python3'));
    expect(venv).toMatchObject({ kind: 'venv', version: '3.12.4', versionSource: 'pyvenv.cfg', broken: null, configured: 'project' });
    expect(venv?.baseInterpreter).toBe(path.join(root, 'base', 'bin', 'python3.12'));
    expect(base).toMatchObject({ kind: 'path', version: '3.12.4', versionSource: 'patchlevel.h', configured: 'base-by-realpath' });
    expect(base?.path).toBe(path.join(root, 'base', 'bin', 'python3'));
    expect(base?.realpath).toBe(path.join(root, 'base', 'bin', 'python3.12'));
    expect(base?.aliases).toEqual(expect.arrayContaining([path.join(root, 'chainbin', 'python3'), path.join(root, 'base', 'bin', 'python3.12')]));
    expect(venv).not.toBe(base);
  });

  it('reports a venv whose base is gone and a broken symlink as broken, without probing them', async () => {
    const { discovery, probe } = setup();
    const { interpreters } = await discovery.discover();
    const orphan = byPath(interpreters, path.join(root, 'configured', 'orphan', 'venv', 'bin', 'python'));
    expect(orphan?.kind).toBe('venv');
    expect(orphan?.broken?.reason).toBe(`base interpreter is gone: ${path.join(root, 'gone', 'bin')} (pyvenv.cfg "home") no longer exists`);
    const dangling = byPath(interpreters, path.join(root, 'dangling', 'python3'));
    expect(dangling?.broken?.reason).toBe(`broken symlink to ${path.join(root, 'nowhere', 'python3.9')}`);
    const probed = probe.calls.flat();
    expect(probed).not.toContain(path.join(root, 'dangling', 'python3'));
    expect(probed.some((p) => p.includes('orphan'))).toBe(false);
  });

  it('probes only interpreters no file describes, once each, in a single batch', async () => {
    const { discovery, probe } = setup();
    const result = await discovery.discover();
    expect(probe.calls).toHaveLength(1);
    expect([...(probe.calls[0] ?? [])].sort()).toEqual(
      [
        path.join(root, 'mystery', 'bin', 'python3'),
        path.join(root, 'old', 'bin', 'python'),
        path.join(root, 'slow', 'bin', 'python3'),
        path.join(pyenv, 'versions', 'pypy3.10-7.3.12', 'bin', 'python'),
      ].sort(),
    );
    expect(result.stats.processesStarted).toBe(4);
    const list = result.interpreters;
    expect(byPath(list, path.join(root, 'mystery', 'bin', 'python3'))).toMatchObject({ version: '3.13.1', versionSource: 'probe', architecture: 'arm64', kind: 'path' });
    expect(byPath(list, path.join(root, 'old', 'bin', 'python'))?.broken?.reason).toBe('Python 2.7.18 is not supported (need 3.8+)');
    expect(byPath(list, path.join(root, 'slow', 'bin', 'python3'))?.broken?.reason).toBe('did not answer within 3000 ms');
    expect(list.some((i) => i.path.includes(`${path.sep}noise${path.sep}`))).toBe(false);
    expect(Value.Check(DiscoveryResultSchema, result)).toBe(true);
  });

  it('serves a second call from the cache, retrying only transient failures', async () => {
    const { discovery, probe } = setup();
    const first = await discovery.discover();
    const second = await discovery.discover();
    expect(probe.calls).toHaveLength(2);
    expect(probe.calls[1]).toEqual([path.join(root, 'slow', 'bin', 'python3')]);
    expect(second.stats.processesStarted).toBe(1);
    expect(second.stats.cacheHits).toBe(first.interpreters.length - 1);
    expect(second.interpreters).toEqual(first.interpreters);
  });

  it('never returns a deleted interpreter and re-reads a changed one', async () => {
    const scratch = path.join(root, 'scratch');
    posixInstall(path.join(scratch, 'a'), '3.11.1');
    posixInstall(path.join(scratch, 'b'), '3.11.2');
    const probe = fakeProbe({});
    const discovery = createDiscovery(
      depsFor(root, { env: { PATH: [path.join(scratch, 'a', 'bin'), path.join(scratch, 'b', 'bin')].join(':') }, runProbe: probe.runProbe }),
    );
    const ours = async () => (await discovery.discover()).interpreters.filter((i) => i.path.startsWith(scratch));
    expect((await ours()).map((i) => i.version).sort()).toEqual(['3.11.1', '3.11.2']);
    const startedBefore = probe.calls.length;
    const warm = await discovery.discover();
    expect(warm.stats.processesStarted).toBe(0);
    expect(warm.stats.cacheHits).toBe(warm.interpreters.length);
    expect(probe.calls).toHaveLength(startedBefore);
    rmSync(path.join(scratch, 'a'), { recursive: true });
    // b is "upgraded" in place: new header, rewritten executable.
    patchlevel(path.join(scratch, 'b'), '3.11.9');
    writeFileSync(path.join(scratch, 'b', 'bin', 'python3.11'), '#!/bin/sh\nexit 0\n# upgraded\n');
    utimesSync(path.join(scratch, 'b', 'bin', 'python3.11'), new Date(), new Date(Date.now() + 5000));
    const after = await ours();
    expect(after.map((i) => i.version)).toEqual(['3.11.9']);
    expect(probe.calls.flat().filter((p) => p.startsWith(scratch))).toEqual([]);
  });

  it('finds uv-managed Pythons (folder name) and virtualenvwrapper envs', async () => {
    const uvDir = path.join(root, 'uv-pythons');
    const install = path.join(uvDir, 'cpython-3.12.6-linux-x86_64-gnu');
    posixInstall(install, '3.12.6', false);
    const pypy = path.join(uvDir, 'pypy-3.10.14-linux-aarch64-gnu');
    posixInstall(pypy, '3.10.14', false);
    textFile(path.join(uvDir, '.lock'), '');
    const workon = path.join(root, 'workon');
    textFile(path.join(workon, 'api', 'pyvenv.cfg'), `home = ${path.join(install, 'bin')}\nversion_info = 3.12.6\n`);
    link(path.join(install, 'bin', 'python3'), path.join(workon, 'api', 'bin', 'python'));
    fakeExe(path.join(workon, 'not-a-venv', 'bin', 'python'));
    const discovery = createDiscovery(depsFor(root, { env: { PATH: '', UV_PYTHON_INSTALL_DIR: uvDir, WORKON_HOME: workon } }));
    const { interpreters } = await discovery.discover();
    expect(byPath(interpreters, path.join(install, 'bin', 'python3'))).toMatchObject({
      kind: 'uv',
      version: '3.12.6',
      versionSource: 'path-name',
      implementation: 'cpython',
      architecture: 'x86_64',
    });
    expect(byPath(interpreters, path.join(pypy, 'bin', 'python3'))).toMatchObject({ kind: 'uv', implementation: 'pypy', architecture: 'arm64' });
    expect(byPath(interpreters, path.join(workon, 'api', 'bin', 'python'))).toMatchObject({ kind: 'venv', version: '3.12.6', broken: null });
    expect(byPath(interpreters, path.join(workon, 'not-a-venv', 'bin', 'python'))).toBeUndefined();
  });

  it('shares one run between concurrent callers and refreshes on request', async () => {
    const { discovery, probe } = setup();
    const [a, b] = await Promise.all([discovery.discover(), discovery.discover()]);
    expect(a).toBe(b);
    expect(probe.calls).toHaveLength(1);
    const refreshed = await discovery.discover({ refresh: true });
    expect(refreshed.stats.cacheHits).toBe(0);
    expect(refreshed.stats.processesStarted).toBe(4);
  });

  it('reports per-source stats for the sources of the platform only', async () => {
    const { discovery } = setup();
    const { stats } = await discovery.discover();
    expect(stats.sources.map((s) => s.name)).toEqual(['path', 'system', 'pyenv', 'conda', 'venv', 'uv']);
    expect(stats.sources.find((s) => s.name === 'pyenv')?.count).toBeGreaterThanOrEqual(6);
    expect(stats.durationMs).toBeGreaterThan(0);
  });
});
