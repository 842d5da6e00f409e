/**
 * Discovery on this machine: Debian's /usr/bin/python3 and the pyenv versions
 * (skipped where absent). Expected versions come from running the interpreters.
 */
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import {
  createDiscovery,
  createProbeRunner,
  nodeDiscoveryFs,
  type DiscoveryDeps,
} from '../../electron/core/interpreters/discovery/index.js';
import { ProcessRunner } from '../../electron/core/process/runner.js';
import { DiscoveryResultSchema, type DiscoveredInterpreter } from '../../shared/interpreters-discovery.js';

const SYSTEM_PYTHON = '/usr/bin/python3';
const pyenvRoot = process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv');
const pyenvVersions = existsSync(path.join(pyenvRoot, 'versions'))
  ? readdirSync(path.join(pyenvRoot, 'versions')).filter((name) => existsSync(path.join(pyenvRoot, 'versions', name, 'bin', 'python')))
  : [];

function versionOf(python: string): string {
  return execFileSync(python, ['-c', 'import sys; print("%d.%d.%d" % tuple(sys.version_info[:3]))'], { encoding: 'utf8' }).trim();
}

function realDeps(): DiscoveryDeps {
  const runProcess = new ProcessRunner({ env: process.env, platform: process.platform }).run;
  return {
    platform: process.platform,
    env: process.env,
    homeDir: os.homedir(),
    cwd: process.cwd(),
    fs: nodeDiscoveryFs,
    runProbe: createProbeRunner(runProcess, fileURLToPath(new URL('../../resources/python/interpreter_probe.py', import.meta.url))),
    now: () => performance.now(),
  };
}

const holding = (list: DiscoveredInterpreter[], p: string): DiscoveredInterpreter[] =>
  list.filter((i) => i.path === p || i.aliases.includes(p));

describe('discovery on this machine', () => {
  it.skipIf(!existsSync(SYSTEM_PYTHON))('finds /usr/bin/python3 once, with its exact version', async () => {
    const { interpreters } = await createDiscovery(realDeps()).discover();
    const found = holding(interpreters, SYSTEM_PYTHON);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      version: versionOf(SYSTEM_PYTHON),
      realpath: realpathSync(SYSTEM_PYTHON),
      kind: 'system',
      implementation: 'cpython',
      broken: null,
    });
    expect(found[0]?.architecture).not.toBeNull();
  });

  it.skipIf(pyenvVersions.length === 0)('finds every pyenv version once, with its exact version and kind pyenv', async () => {
    const { interpreters } = await createDiscovery(realDeps()).discover();
    for (const name of pyenvVersions) {
      const exe = path.join(pyenvRoot, 'versions', name, 'bin', 'python');
      const found = holding(interpreters, exe);
      expect(found, name).toHaveLength(1);
      const expected = versionOf(exe);
      expect(found[0], name).toMatchObject({ kind: 'pyenv', version: expected });
      if (expected.startsWith('2.')) expect(found[0]?.broken?.reason).toBe(`Python ${expected} is not supported (need 3.8+)`);
    }
    // Nothing discovered is a shim.
    expect(interpreters.some((i) => [i.path, ...i.aliases].some((p) => p.includes('/shims/')))).toBe(false);
  });

  it('answers a second call from the cache without starting processes', async () => {
    const discovery = createDiscovery(realDeps());
    const cold = await discovery.discover({ deadlineMs: 10_000 });
    const warm = await discovery.discover();
    expect(warm.stats.processesStarted).toBe(0);
    expect(warm.stats.cacheHits).toBe(warm.interpreters.length);
    expect(warm.interpreters).toEqual(cold.interpreters);
    expect(Value.Check(DiscoveryResultSchema, cold)).toBe(true);
    // At most one process per interpreter whose version no file gives.
    expect(cold.stats.processesStarted).toBeLessThanOrEqual(cold.interpreters.filter((i) => i.versionSource === 'probe' || i.broken).length);
  });
});
