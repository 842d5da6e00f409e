/**
 * Helpers of the provisioning integration tests: Debian's python3, venvs, hand-made wheels and a
 * slow sdist, jobs polled through the REST API, a fake executor, and process checks by pid.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { Job } from '../../shared/dto/jobs.js';
import type { ConnectionStatus } from '../../shared/dto/connection.js';
import type { ValidationReport } from '../../shared/interpreters-discovery.js';
import { ProcessRunner } from '../../electron/core/process/runner.js';
import { nodeValidationFs, validateInterpreter } from '../../electron/core/interpreters/validation.js';
import type { Executor } from '../../electron/core/services.js';
import { UvLocator } from '../../electron/core/provisioning/uv.js';
import { Logger } from '../../electron/core/logging/logger.js';
import { REPO_ROOT, type TestBridge } from '../helpers/bridge.js';

export const SYSTEM_PYTHON = '/usr/bin/python3';

export function runs(file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Debian's python3 with python3-venv, python3-pip, python3-grpcio, python3-protobuf (apt). */
export const HAVE_DEBIAN_PYTHON =
  existsSync(SYSTEM_PYTHON) && runs(SYSTEM_PYTHON, ['-c', 'import ensurepip, venv, pip, grpc, google.protobuf']);
export const DEBIAN_PYTHON_MISSING = 'needs /usr/bin/python3 with the apt packages python3-venv python3-pip python3-grpcio python3-protobuf';

/** sysconfig's stdlib folder of the system python and its PEP 668 marker. */
export const SYSTEM_MARKER = existsSync(SYSTEM_PYTHON)
  ? path.join(execFileSync(SYSTEM_PYTHON, ['-c', 'import sysconfig; print(sysconfig.get_path("stdlib"))'], { encoding: 'utf8' }).trim(), 'EXTERNALLY-MANAGED')
  : '';
export const SYSTEM_EXTERNALLY_MANAGED = SYSTEM_MARKER !== '' && existsSync(SYSTEM_MARKER);

/** A uv installed on this machine, if any (PATH and the usual folders). */
export async function realUv(): Promise<string | null> {
  const env = process.env;
  const locator = new UvLocator({
    host: { platform: process.platform, arch: process.arch, libc: 'glibc', env, home: env['HOME'] ?? '/', dataDir: '/nonexistent' },
    fetch: () => Promise.reject(new Error('no downloads in tests')),
    logger: Logger.create({ level: 'error', sinks: [] }),
  });
  return locator.find();
}

/** `venv` made by Debian's python3 (`--system-site-packages` brings Debian's grpcio and protobuf). */
export function makeVenv(dir: string, opts: { systemSite?: boolean } = {}): string {
  execFileSync(SYSTEM_PYTHON, ['-m', 'venv', ...(opts.systemSite ? ['--system-site-packages'] : []), dir], { stdio: 'ignore' });
  return path.join(dir, 'bin', 'python');
}

/** A wheel written by hand (zip of the package, METADATA, WHEEL, RECORD with hashes). */
export function makeWheel(dir: string, name: string, version = '0.1', extra: Record<string, Buffer> = {}): string {
  mkdirSync(dir, { recursive: true });
  const info = `${name}-${version}.dist-info`;
  const files: [string, Buffer][] = [
    [`${name}/__init__.py`, Buffer.from(`VALUE = ${JSON.stringify(`${name} ${version}`)}\n`)],
    ...Object.entries(extra),
    [`${info}/METADATA`, Buffer.from(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`)],
    [`${info}/WHEEL`, Buffer.from('Wheel-Version: 1.0\nGenerator: webhook-bridge-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n')],
  ];
  const record = files.map(([n, data]) => `${n},sha256=${createHash('sha256').update(data).digest('base64url')},${data.length}`);
  files.push([`${info}/RECORD`, Buffer.from(`${[...record, `${info}/RECORD,,`].join('\n')}\n`)]);
  const wheel = path.join(dir, `${name}-${version}-py3-none-any.whl`);
  const list = path.join(dir, `.${name}.json`);
  writeFileSync(list, JSON.stringify(files.map(([n, data]) => [n, data.toString('base64')])));
  const script = [
    'import base64, json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)',
    'for n, b in json.load(open(sys.argv[2])): z.writestr(n, base64.b64decode(b))',
    'z.close()',
  ].join('\n');
  execFileSync(SYSTEM_PYTHON, ['-c', script, wheel, list]);
  rmSync(list);
  return wheel;
}

/**
 * An sdist whose setup.py writes its pid to `$WB_SLOW_PIDFILE` and sleeps: pip runs it in a child
 * process while preparing metadata, so cancelling has a process tree to stop.
 */
export function makeSlowSdist(dir: string, name = 'wbslow'): string {
  const src = path.join(dir, 'src', `${name}-0.1`);
  mkdirSync(src, { recursive: true });
  writeFileSync(
    path.join(src, 'setup.py'),
    'import os, time\np = os.environ.get("WB_SLOW_PIDFILE")\nif p:\n    open(p, "a").write("%d\\n" % os.getpid())\ntime.sleep(600)\n',
  );
  writeFileSync(path.join(src, 'PKG-INFO'), `Metadata-Version: 1.0\nName: ${name}\nVersion: 0.1\n`);
  const out = path.join(dir, `${name}-0.1.tar.gz`);
  execFileSync('tar', ['-czf', out, '-C', path.dirname(src), `${name}-0.1`]);
  return out;
}

/** Installed distributions of an interpreter, `name==version`, sorted. */
export function installed(python: string): string[] {
  const code = 'from importlib import metadata\nprint("\\n".join(sorted("%s==%s" % (d.metadata["Name"], d.version) for d in metadata.distributions())))';
  return execFileSync(python, ['-c', code], { encoding: 'utf8' }).trim().split('\n');
}

/** The real validation checks (as the registry runs them) of an interpreter. */
export function validate(python: string, required: string[], venv?: string): Promise<ValidationReport> {
  return validateInterpreter(
    { path: python, required_packages: required, venv_path: venv ?? null },
    {
      runProcess: new ProcessRunner({ env: process.env, platform: process.platform }).run,
      deadlineMs: 20_000,
      platform: process.platform,
      fs: nodeValidationFs,
      probeScript: path.join(REPO_ROOT, 'resources', 'python', 'interpreter_probe.py'),
      now: () => performance.now(),
    },
  );
}

export const failedChecks = (r: ValidationReport): string[] => r.checks.filter((c) => !c.ok && c.level === 'error').map((c) => c.check);

/** Polls `GET /jobs/{id}` until the job is no longer running. */
export async function waitJob(tb: TestBridge, id: string, timeoutMs = 60_000): Promise<Job> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await tb.request('GET', `/api/dashboard/jobs/${id}`);
    expect(res.status).toBe(200);
    const job = res.json as Job;
    if (job.state !== 'running') return job;
    if (Date.now() > until) throw new Error(`job ${id} still running after ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitFor<T>(what: string, probe: () => T | null | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether a process is alive (zombies count as gone) — by pid, through /proc. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** An executor stand-in that records restarts. */
export function fakeExecutor(): Executor & { reconnects: (string | undefined)[] } {
  const status = { state: 'serving' } as unknown as ConnectionStatus;
  const no = (): never => {
    throw new Error('not in this test');
  };
  const reconnects: (string | undefined)[] = [];
  return {
    reconnects,
    start: async () => undefined,
    stop: async () => undefined,
    mode: () => 'spawn',
    readiness: () => ({ state: 'connected', serving: true, interpreter: null }),
    status: () => status,
    runningInterpreter: () => null,
    switchTo: no,
    restart: async () => {
      reconnects.push(undefined);
    },
    test: no,
    listPlugins: no,
    getPlugin: no,
    testPlugin: no,
    execute: no,
  };
}
