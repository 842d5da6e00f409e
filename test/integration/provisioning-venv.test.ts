/**
 * Creating an interpreter's virtual environment through the REST API with Debian's python3: the
 * venv is made, the interpreter's path points at its python with a one-line config edit (comments
 * kept), refusals for a missing venv_path and an occupied folder, a failed creation cleaned up.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../shared/dto/jobs.js';
import type { InterpreterList } from '../../shared/dto/interpreters.js';
import { startTestBridge, tempDir, type TestBridge } from '../helpers/bridge.js';
import { DEBIAN_PYTHON_MISSING, failedChecks, HAVE_DEBIAN_PYTHON, makeWheel, SYSTEM_PYTHON, validate, waitFor, waitJob } from './provisioning-support.js';

/** The config without the outcome of validations (`validated`, `last_validated`, `validation_error`). */
const withoutValidation = (text: string): string => text.replace(/^ +(validated|last_validated|validation_error):.*\n/gm, '');

const skipReason = HAVE_DEBIAN_PYTHON ? '' : ` (skipped: ${DEBIAN_PYTHON_MISSING})`;

describe.skipIf(!HAVE_DEBIAN_PYTHON)(`creating virtual environments through the API${skipReason}`, () => {
  let dir: string;
  let wheels: string;
  let tb: TestBridge;
  let configText: string;

  beforeAll(async () => {
    dir = tempDir('wb-venv-');
    wheels = path.join(dir, 'wheels');
    makeWheel(wheels, 'wbtestpkg');
    mkdirSync(path.join(dir, 'occupied'));
    writeFileSync(path.join(dir, 'occupied', 'notes.txt'), 'mine\n');
    const failing = path.join(dir, 'failing-python');
    // a "python" that starts making the folder, then fails like a broken ensurepip would
    writeFileSync(failing, '#!/bin/sh\nmkdir -p "$3/lib" && touch "$3/partial"\necho "Error: ensurepip failed (simulated)" >&2\nexit 3\n', { mode: 0o755 });
    configText = [
      '# My bridge config: hand written, comments everywhere',
      'python:',
      '  auto_download_uv: true',
      '  # interpreters I use',
      '  interpreters:',
      '    proj:',
      '      name: "Project"   # keep this comment',
      `      path: "${SYSTEM_PYTHON}"    # the base python`,
      `      venv_path: "${path.join(dir, 'proj-venv')}"`,
      '      required_packages: ["wbtestpkg"]',
      '    novenv:',
      `      path: "${SYSTEM_PYTHON}"`,
      '    occupied:',
      `      path: "${SYSTEM_PYTHON}"`,
      `      venv_path: "${path.join(dir, 'occupied')}"`,
      '    broken:',
      `      path: "${failing}"`,
      `      venv_path: "${path.join(dir, 'broken-venv')}"`,
      '',
      'server: { host: "127.0.0.1", port: 8000 }   # unchanged',
      '# trailing comment',
      '',
    ].join('\n');
    tb = await startTestBridge({ dir, configText, env: { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels } });
  });

  afterAll(async () => {
    await tb?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const venvPython = (): string => path.join(dir, 'proj-venv', 'bin', 'python');

  it("creates the venv from the base interpreter and points the interpreter at it, changing only that line", async () => {
    const res = await tb.request('POST', '/api/dashboard/interpreters/proj/venv');
    expect(res.status).toBe(202);
    const job = await waitJob(tb, (res.json as Job).id);
    expect(job).toMatchObject({ kind: 'venv', interpreter: 'proj', state: 'succeeded', phase: 'done', error: null, warnings: [] });
    expect(job.command).toEqual([SYSTEM_PYTHON, '-m', 'venv', path.join(dir, 'proj-venv')]);
    expect(job.output).toContain(`'proj' now uses ${venvPython()}`);

    expect(execFileSync(venvPython(), ['-c', 'import sys; print(sys.prefix != sys.base_prefix)'], { encoding: 'utf8' }).trim()).toBe('True');
    // the job ends with a validation, which records its outcome under the interpreter
    const after = withoutValidation(readFileSync(tb.configFile, 'utf8')).split('\n');
    const before = configText.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.map((line, i) => (line === before[i] ? null : i)).filter((i) => i !== null);
    expect(changed).toHaveLength(1);
    expect(after[changed[0]!]).toMatch(new RegExp(`^ {6}path: "${venvPython().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" +# the base python$`));

    const list = (await tb.request('GET', '/api/dashboard/interpreters')).json as InterpreterList;
    expect(list.interpreters.find((i) => i.key === 'proj')).toMatchObject({ path: venvPython(), venv_path: path.join(dir, 'proj-venv') });
  });

  it('then installs the missing package into the new venv (the venv check of validation passes too)', async () => {
    const before = await validate(venvPython(), ['wbtestpkg'], path.join(dir, 'proj-venv'));
    expect(failedChecks(before)).toContain('package:wbtestpkg');
    const res = await tb.request('POST', '/api/dashboard/interpreters/proj/install');
    const job = await waitJob(tb, (res.json as Job).id);
    expect(job.state).toBe('succeeded');
    expect(job.command).toEqual([venvPython(), '-m', 'pip', 'install', 'wbtestpkg']);
    const after = await validate(venvPython(), ['wbtestpkg'], path.join(dir, 'proj-venv'));
    const failures = failedChecks(after);
    expect(failures).not.toContain('package:wbtestpkg');
    expect(failures.filter((c) => c.startsWith('venv'))).toEqual([]);
    // a plain venv has no grpcio and there is no index here: only the executor's modules are left
    expect(failures.every((c) => c.startsWith('module:'))).toBe(true);
  });

  it('uses an existing venv as it is and leaves the config alone', async () => {
    const text = readFileSync(tb.configFile, 'utf8');
    const res = await tb.request('POST', '/api/dashboard/interpreters/proj/venv');
    const job = await waitJob(tb, (res.json as Job).id);
    expect(job.state).toBe('succeeded');
    expect(job.command).toEqual([]);
    expect(job.output).toEqual(expect.arrayContaining([`${path.join(dir, 'proj-venv')} is already a virtual environment: using it`, `'proj' already uses ${venvPython()}`]));
    expect(withoutValidation(readFileSync(tb.configFile, 'utf8'))).toBe(withoutValidation(text));
  });

  it('refuses an interpreter without venv_path (400) and a folder that is neither empty nor a venv (409)', async () => {
    const none = await tb.request('POST', '/api/dashboard/interpreters/novenv/venv');
    expect(none.status).toBe(400);
    expect((none.json as { error: { message: string } }).error.message).toMatch(/'novenv' has no venv_path/);
    const busy = await tb.request('POST', '/api/dashboard/interpreters/occupied/venv');
    expect(busy.status).toBe(409);
    expect((busy.json as { error: { message: string } }).error.message).toContain('is a folder with other files in it (no pyvenv.cfg)');
    expect(readFileSync(path.join(dir, 'occupied', 'notes.txt'), 'utf8')).toBe('mine\n');
    expect((await tb.request('POST', '/api/dashboard/interpreters/ghost/venv')).status).toBe(404);
  });

  it('reports a failed creation with the tool\'s error, removes what it left, and keeps the config', async () => {
    const text = readFileSync(tb.configFile, 'utf8');
    const res = await tb.request('POST', '/api/dashboard/interpreters/broken/venv');
    expect(res.status).toBe(202);
    const job = await waitJob(tb, (res.json as Job).id);
    expect(job.state).toBe('failed');
    expect(job.error).toBe('python -m venv exited with code 3: Error: ensurepip failed (simulated)');
    await waitFor('the partial venv to be removed', () => (existsSync(path.join(dir, 'broken-venv')) ? null : true));
    expect(readFileSync(tb.configFile, 'utf8')).toBe(text);
  });
});
