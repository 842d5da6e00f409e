/**
 * uv through the REST API. The download-failed fallback always runs: the jobs get a uv locator
 * that finds nothing and a fetch that fails like a machine without internet, and pip (or
 * `python -m venv`) must do the work with a warning that says so. Real uv runs only where it is
 * installed; elsewhere those tests are skipped and say why.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../shared/dto/jobs.js';
import type { UvFactory } from '../../electron/core/provisioning/create-jobs.js';
import { UvLocator, type FetchLike } from '../../electron/core/provisioning/uv.js';
import { startTestBridge, tempDir, type TestBridge } from '../helpers/bridge.js';
import { DEBIAN_PYTHON_MISSING, HAVE_DEBIAN_PYTHON, installed, makeVenv, makeWheel, realUv, SYSTEM_PYTHON, waitJob } from './provisioning-support.js';

const UV = await realUv();
const NO_UV = 'uv is not installed on this machine (PATH, ~/.local/bin, ~/.cargo/bin, /usr/local/bin…)';
const CHECKSUM_URL = 'https://github.com/astral-sh/uv/releases/latest/download/uv-x86_64-unknown-linux-gnu.tar.gz.sha256';

const offline: FetchLike = async () => {
  throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND github.com'), { code: 'ENOTFOUND' }) });
};

function configFor(dir: string, python: string, extra = ''): string {
  return [
    'python:',
    '  auto_download_uv: true   # download uv when an interpreter wants it',
    '  interpreters:',
    '    uvwork:',
    `      path: "${python}"`,
    '      use_uv: true',
    '      required_packages: ["wbuvpkg"]',
    '    uvnew:',
    `      path: "${SYSTEM_PYTHON}"`,
    `      venv_path: "${path.join(dir, 'uv-made-venv')}"`,
    '      use_uv: true',
    extra,
  ].join('\n');
}

describe.skipIf(!HAVE_DEBIAN_PYTHON)(`uv missing and its download failing${HAVE_DEBIAN_PYTHON ? '' : ` (skipped: ${DEBIAN_PYTHON_MISSING})`}`, () => {
  let dir: string;
  let python: string;
  let tb: TestBridge;

  beforeAll(async () => {
    dir = tempDir('wb-uvfb-');
    const wheels = path.join(dir, 'wheels');
    makeWheel(wheels, 'wbuvpkg');
    python = makeVenv(path.join(dir, 'venv'));
    const env = { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels };
    const emptyHome = path.join(dir, 'empty-home');
    mkdirSync(emptyHome);
    // nothing to find (even where uv is installed) and no network
    const uv: UvFactory = ({ dataDir, logger }) =>
      new UvLocator({
        host: { platform: 'linux', arch: 'x64', libc: 'glibc', env: { PATH: '' }, home: emptyHome, dataDir, systemDirs: [] },
        fetch: offline,
        logger,
      });
    tb = await startTestBridge({ dir, configText: configFor(dir, python), env, replace: { uv } });
  });

  afterAll(async () => {
    await tb?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs with pip and says exactly why uv was not used', async () => {
    const res = await tb.request('POST', '/api/dashboard/interpreters/uvwork/install');
    expect(res.status).toBe(202);
    const job = await waitJob(tb, (res.json as Job).id);
    expect(job.warnings).toEqual([`could not download uv: ${CHECKSUM_URL}: fetch failed (ENOTFOUND: getaddrinfo ENOTFOUND github.com); using pip instead`]);
    expect(job.command).toEqual([python, '-m', 'pip', 'install', 'wbuvpkg']);
    expect(job.state).toBe('succeeded');
    expect(installed(python)).toContain('wbuvpkg==0.1');
  });

  it('creates a venv with python -m venv and the same warning', async () => {
    const res = await tb.request('POST', '/api/dashboard/interpreters/uvnew/venv');
    const job = await waitJob(tb, (res.json as Job).id);
    expect(job.warnings).toEqual([`could not download uv: ${CHECKSUM_URL}: fetch failed (ENOTFOUND: getaddrinfo ENOTFOUND github.com); using python -m venv instead`]);
    expect(job.command).toEqual([SYSTEM_PYTHON, '-m', 'venv', path.join(dir, 'uv-made-venv')]);
    expect(job.state).toBe('succeeded');
    expect(existsSync(path.join(dir, 'uv-made-venv', 'bin', 'python'))).toBe(true);
  });
});

describe.skipIf(!UV || !HAVE_DEBIAN_PYTHON)(`real uv${UV ? (HAVE_DEBIAN_PYTHON ? ` (${UV})` : ` (skipped: ${DEBIAN_PYTHON_MISSING})`) : ` (skipped: ${NO_UV})`}`, () => {
  let dir: string;
  let python: string;
  let tb: TestBridge;

  beforeAll(async () => {
    dir = tempDir('wb-uvreal-');
    const wheels = path.join(dir, 'wheels');
    makeWheel(wheels, 'wbuvpkg');
    python = makeVenv(path.join(dir, 'venv'));
    tb = await startTestBridge({
      dir,
      configText: configFor(dir, python),
      // the user's uv configuration, as uv reads it: no index, a local folder of wheels
      env: { UV_NO_INDEX: '1', UV_FIND_LINKS: wheels, UV_CACHE_DIR: path.join(dir, 'uv-cache'), PATH: `${path.dirname(UV ?? '')}:${process.env['PATH'] ?? ''}` },
    });
  });

  afterAll(async () => {
    await tb?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs with uv pip install --python <interpreter>', async () => {
    const res = await tb.request('POST', '/api/dashboard/interpreters/uvwork/install');
    const job = await waitJob(tb, (res.json as Job).id);
    expect(job.command.slice(1)).toEqual(['pip', 'install', '--python', python, 'wbuvpkg']);
    expect(job.warnings).toEqual([]);
    expect(job.state).toBe('succeeded');
    expect(installed(python)).toContain('wbuvpkg==0.1');
  });

  it('creates a venv with uv venv --python <base>', async () => {
    const res = await tb.request('POST', '/api/dashboard/interpreters/uvnew/venv');
    const job = await waitJob(tb, (res.json as Job).id);
    expect(job.command.slice(1)).toEqual(['venv', '--python', SYSTEM_PYTHON, path.join(dir, 'uv-made-venv')]);
    expect(job.state).toBe('succeeded');
    expect(existsSync(path.join(dir, 'uv-made-venv', 'bin', 'python'))).toBe(true);
  });
});
