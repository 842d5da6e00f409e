/**
 * Validation against real interpreters of this machine (Debian python3 with
 * python3-grpcio, pyenv versions without grpc, venvs made here).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessRunner } from '../../electron/core/process/runner.js';
import { nodeValidationFs, validateInterpreter, type ValidationDeps, type ValidationEntry } from '../../electron/core/interpreters/validation.js';
import { ValidationReportSchema, type ValidationReport } from '../../shared/interpreters-discovery.js';

const SYSTEM_PYTHON = '/usr/bin/python3';
const PROBE_SCRIPT = fileURLToPath(new URL('../../resources/python/interpreter_probe.py', import.meta.url));
const hasSystemGrpc = existsSync(SYSTEM_PYTHON) && runs(SYSTEM_PYTHON, 'import grpc, google.protobuf');
const pyenvVersions = path.join(process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv'), 'versions');
const pyenvPython = (prefix: string): string | undefined =>
  existsSync(pyenvVersions)
    ? readdirSync(pyenvVersions)
        .filter((n) => n.startsWith(prefix))
        .map((n) => path.join(pyenvVersions, n, 'bin', 'python'))
        .find((p) => existsSync(p))
    : undefined;
const python27 = pyenvPython('2.7');
const python37 = pyenvPython('3.7');
const python312 = pyenvPython('3.12');

function runs(python: string, code: string): boolean {
  try {
    execFileSync(python, ['-c', code], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function pyOut(python: string, code: string): string {
  return execFileSync(python, ['-c', code], { encoding: 'utf8' }).trim();
}

const deps = (overrides: Partial<ValidationDeps> = {}): ValidationDeps => ({
  runProcess: new ProcessRunner({ env: process.env, platform: process.platform }).run,
  deadlineMs: 15_000,
  platform: process.platform,
  fs: nodeValidationFs,
  probeScript: PROBE_SCRIPT,
  now: () => performance.now(),
  ...overrides,
});

const validate = (entry: ValidationEntry, overrides?: Partial<ValidationDeps>) => validateInterpreter(entry, deps(overrides));
const check = (report: ValidationReport, name: string) => report.checks.find((c) => c.check === name);
const failed = (report: ValidationReport) => report.checks.filter((c) => !c.ok && c.level === 'error').map((c) => c.check);

let tmp: string;
let venv: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'wb-validation-'));
  venv = path.join(tmp, 'venv');
  if (existsSync(SYSTEM_PYTHON)) execFileSync(SYSTEM_PYTHON, ['-m', 'venv', '--system-site-packages', '--without-pip', venv]);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!hasSystemGrpc)('validation with the system interpreter', () => {
  it('passes for /usr/bin/python3 with grpcio, reporting version and package versions', async () => {
    const report = await validate({ path: SYSTEM_PYTHON, required_packages: ['grpcio', 'protobuf>=3'] });
    expect(failed(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.version).toBe(pyOut(SYSTEM_PYTHON, 'import platform; print(platform.python_version())'));
    expect(report.implementation).toBe('cpython');
    expect(report.packages).toEqual([
      { name: 'grpcio', version: pyOut(SYSTEM_PYTHON, 'import grpc; print(grpc.__version__)') },
      { name: 'protobuf', version: expect.any(String) },
    ]);
    expect(check(report, 'module:grpc')).toMatchObject({ ok: true, level: 'info' });
    expect(check(report, 'module:google.protobuf')?.ok).toBe(true);
    expect(check(report, 'permissions')).toMatchObject({ ok: true });
    expect(Value.Check(ValidationReportSchema, report)).toBe(true);
  });

  it('normalizes package names per PEP 503 and names a missing one', async () => {
    const report = await validate({ path: SYSTEM_PYTHON, required_packages: ['GRPCIO', 'grpcio', 'Definitely_Not.Installed-pkg'] });
    expect(report.packages.map((p) => p.name)).toEqual(['grpcio', 'Definitely_Not.Installed-pkg']);
    expect(report.packages[0]?.version).toBe(pyOut(SYSTEM_PYTHON, 'import grpc; print(grpc.__version__)'));
    expect(check(report, 'package:Definitely_Not.Installed-pkg')).toMatchObject({
      ok: false,
      level: 'error',
      message: 'required package Definitely_Not.Installed-pkg is not installed',
    });
    expect(report.ok).toBe(false);
  });

  it('passes for a --system-site-packages venv and its venv_path', async () => {
    const report = await validate({ path: path.join(venv, 'bin', 'python'), venv_path: venv, required_packages: ['grpcio'] });
    expect(failed(report)).toEqual([]);
    expect(check(report, 'venv-membership')?.message).toBe(`${path.join(venv, 'bin', 'python')} belongs to venv ${venv}`);
    expect(check(report, 'venv-home')?.ok).toBe(true);
  });

  it('fails a path that does not belong to the configured venv', async () => {
    const report = await validate({ path: SYSTEM_PYTHON, venv_path: venv });
    expect(check(report, 'venv-membership')).toMatchObject({
      ok: false,
      message: `${SYSTEM_PYTHON} does not belong to venv ${venv} (its sys.prefix is /usr)`,
    });
  });

  it('fails a venv whose base interpreter folder was deleted, saying so', async () => {
    const base = path.join(tmp, 'base', 'bin');
    mkdirSync(base, { recursive: true });
    symlinkSync(realpathSync(SYSTEM_PYTHON), path.join(base, 'python3'));
    const orphan = path.join(tmp, 'orphan');
    execFileSync(path.join(base, 'python3'), ['-m', 'venv', '--system-site-packages', '--without-pip', orphan]);
    rmSync(path.join(tmp, 'base'), { recursive: true });
    const report = await validate({ path: path.join(orphan, 'bin', 'python'), venv_path: orphan });
    expect(report.ok).toBe(false);
    expect(check(report, 'exists')?.message).toBe(`${path.join(orphan, 'bin', 'python')} is a broken symlink to ${path.join(base, 'python3')}`);
    expect(check(report, 'venv-home')?.message).toBe(`base interpreter folder ${base} (pyvenv.cfg "home") does not exist: the venv is broken`);
    expect(check(report, 'runs')).toBeUndefined();
  });

  it('warns (without failing) when a folder above the interpreter is writable by other users', async () => {
    const open = path.join(tmp, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    symlinkSync(SYSTEM_PYTHON, path.join(open, 'python3'));
    const report = await validate({ path: path.join(open, 'python3') });
    expect(check(report, 'permissions')).toMatchObject({ ok: false, level: 'warning' });
    expect(check(report, 'permissions')?.message).toContain(`${open} (mode 0777)`);
    expect(report.ok).toBe(true);
  });
});

describe('validation of things that are not usable interpreters', () => {
  it('fails a missing file', async () => {
    const report = await validate({ path: path.join(tmp, 'missing', 'python3') });
    expect(report.checks).toEqual([{ check: 'exists', ok: false, level: 'error', message: `${path.join(tmp, 'missing', 'python3')} does not exist` }]);
    expect(report).toMatchObject({ ok: false, version: null, implementation: null });
  });

  it('fails a broken symlink, naming its target', async () => {
    const file = path.join(tmp, 'dangling');
    symlinkSync(path.join(tmp, 'nothing-here', 'python3.11'), file);
    expect(check(await validate({ path: file }), 'exists')?.message).toBe(`${file} is a broken symlink to ${path.join(tmp, 'nothing-here', 'python3.11')}`);
  });

  it('fails a directory', async () => {
    const report = await validate({ path: tmp });
    expect(check(report, 'is-file')).toMatchObject({ ok: false, message: `${tmp} is a folder, not a Python executable` });
  });

  it('fails a text file without the execute bit', async () => {
    const file = path.join(tmp, 'notes.txt');
    writeFileSync(file, 'hello\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(check(await validate({ path: file }), 'executable')?.message).toBe(`${file} is not executable (mode 0644)`);
  });

  it('fails an executable text file that is not Python at the probe step', async () => {
    const file = path.join(tmp, 'fake-python');
    writeFileSync(file, '#!/bin/sh\necho "I am not Python" >&2\nexit 3\n', { mode: 0o755 });
    const report = await validate({ path: file });
    expect(check(report, 'executable')?.ok).toBe(true);
    expect(check(report, 'runs')?.message).toBe(`${file} ran but did not answer like a Python interpreter (exit code 3: I am not Python)`);
  });

  it('fails an interpreter that does not answer before the deadline', async () => {
    const file = path.join(tmp, 'slow-python');
    writeFileSync(file, '#!/bin/sh\nsleep 5\n', { mode: 0o755 });
    const report = await validate({ path: file }, { deadlineMs: 300 });
    expect(check(report, 'runs')?.message).toBe(`${file} did not answer within 300 ms`);
    expect(report.durationMs).toBeLessThan(3000);
  });

  it.skipIf(!python27)('fails Python 2.7 with the version found', async () => {
    const report = await validate({ path: python27 ?? '' });
    expect(check(report, 'version')).toMatchObject({ ok: false, message: `Python ${pyOut(python27 ?? '', 'import platform; print(platform.python_version())')} is not supported (need 3.8+)` });
    expect(report.version).toMatch(/^2\.7\./);
  });

  it.skipIf(!python37)('fails Python 3.7 with the version found', async () => {
    const report = await validate({ path: python37 ?? '' });
    expect(check(report, 'version')?.message).toMatch(/^Python 3\.7\.\d+ is not supported \(need 3\.8\+\)$/);
  });

  it.skipIf(!python312 || runs(python312 ?? '', 'import grpc'))('fails a pyenv Python without grpc, naming the module', async () => {
    const report = await validate({ path: python312 ?? '' });
    expect(report.ok).toBe(false);
    expect(check(report, 'version')?.ok).toBe(true);
    expect(check(report, 'module:grpc')?.message).toMatch(/^the executor needs grpc, which cannot be imported \(ModuleNotFoundError: No module named 'grpc'\)$/);
  });
});

describe.skipIf(!hasSystemGrpc)('concurrent validations', () => {
  it('keep their results apart', async () => {
    const dir = path.join(tmp, 'concurrent');
    mkdirSync(dir);
    const entries: ValidationEntry[] = [
      { path: SYSTEM_PYTHON, required_packages: ['grpcio'] },
      { path: path.join(venv, 'bin', 'python'), venv_path: venv },
      { path: path.join(dir, 'missing') },
      { path: dir },
      ...(python312 ? [{ path: python312, required_packages: ['grpcio'] }] : []),
    ];
    const together = await Promise.all(entries.map((entry) => validate(entry)));
    const alone: ValidationReport[] = [];
    for (const entry of entries) alone.push(await validate(entry));
    const strip = (r: ValidationReport) => ({ ...r, durationMs: 0 });
    expect(together.map(strip)).toEqual(alone.map(strip));
    expect(together.map((r) => r.ok)).toEqual([true, true, false, false, ...(python312 ? [runs(python312, 'import grpc')] : [])]);
  });
});
