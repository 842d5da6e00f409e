/**
 * Validation of one configured interpreter: file checks, then one short-lived run
 * of the interpreter with the interpreter probe (version, packages, executor imports),
 * venv consistency and a permission warning. Pure function of its inputs: several
 * validations may run at the same time.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import type { PackageVersion, ValidationCheck, ValidationReport } from '../../../shared/interpreters-discovery.js';
import { errorCode, nodeDiscoveryFs, pathApiFor, SafeFs, type PathApi } from './discovery/fs-helpers.js';
import { stderrTail } from './discovery/probe.js';
import type { RunProcess } from '../process/run.js';
import type { DiscoveryFs } from './discovery/types.js';
import { probeArgs, probeReport } from './probe-script.js';
import { parsePyvenvCfg, unsupportedVersionReason } from './discovery/version-files.js';

export interface ValidationEntry {
  path: string;
  venv_path?: string | null;
  /** Requirement strings; only the distribution name is checked (`grpcio>=1.60` → `grpcio`). */
  required_packages?: readonly string[];
}

export interface ValidationFs extends DiscoveryFs {
  /** Whether the current user may execute the file (`access(X_OK)`). */
  isExecutable(path: string): Promise<boolean>;
}

export interface ValidationDeps {
  runProcess: RunProcess;
  deadlineMs: number;
  platform: NodeJS.Platform;
  fs: ValidationFs;
  /** Absolute path of resources/python/interpreter_probe.py. */
  probeScript: string;
  now: () => number;
}

/** `ValidationFs` on top of `node:fs/promises`. Stateless. */
export const nodeValidationFs: ValidationFs = {
  ...nodeDiscoveryFs,
  isExecutable: (file) => fsp.access(file, fsConstants.X_OK).then(
    () => true,
    () => false,
  ),
};

interface ProbeReport {
  version: string;
  implementation: string;
  prefix: string;
  supported: boolean;
  packages: PackageVersion[];
  modules: { name: string; ok: boolean; error: string | null }[];
}

/** PEP 503: `Google_Protobuf` and `google-protobuf` name the same distribution. */
export function normalizePackageName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Distribution name of a requirement string (extras, version specifiers and markers dropped). */
export function requirementName(requirement: string): string | null {
  return /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(requirement)?.[1] ?? null;
}

const pass = (check: string, message: string): ValidationCheck => ({ check, ok: true, level: 'info', message });
const fail = (check: string, message: string): ValidationCheck => ({ check, ok: false, level: 'error', message });
const warn = (check: string, message: string): ValidationCheck => ({ check, ok: false, level: 'warning', message });
/** Records a failed check that ends the file checks. */
function stop(checks: ValidationCheck[], check: ValidationCheck): null {
  checks.push(check);
  return null;
}
const octal = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/** exists / is-file / executable; returns the resolved path when all passed. */
async function fileChecks(file: string, deps: ValidationDeps, fs: SafeFs, p: PathApi, checks: ValidationCheck[]): Promise<string | null> {
  const link = await fs.lstat(file);
  if (!link) return stop(checks, fail('exists', `${file} does not exist`));
  let resolved: string;
  try {
    resolved = await deps.fs.realpath(file);
  } catch (err) {
    if (errorCode(err) === 'ELOOP') return stop(checks, fail('exists', `${file} is a symlink loop`));
    const target = await fs.danglingTarget(file, p);
    return stop(checks, fail('exists', `${file} is a broken symlink to ${target}`));
  }
  checks.push(pass('exists', resolved === file ? `${file} exists` : `${file} exists (→ ${resolved})`));
  const stat = await fs.stat(resolved);
  if (stat?.isDirectory()) return stop(checks, fail('is-file', `${file} is a folder, not a Python executable`));
  if (!stat?.isFile()) return stop(checks, fail('is-file', `${file} is not a regular file`));
  checks.push(pass('is-file', `${file} is a file`));
  if (deps.platform === 'win32') {
    if (!/\.exe$/i.test(resolved)) return stop(checks, fail('executable', `${file} is not a program (.exe)`));
  } else if (!(await deps.fs.isExecutable(resolved))) {
    return stop(checks, fail('executable', `${file} is not executable (mode ${octal(stat.mode)})`));
  }
  checks.push(pass('executable', `${file} is executable`));
  return resolved;
}

function parseReport(stdout: string): ProbeReport | null {
  const raw = probeReport(stdout) as Partial<ProbeReport> | null;
  if (!raw || typeof raw.version !== 'string' || typeof raw.prefix !== 'string') return null;
  return {
    version: raw.version,
    implementation: String(raw.implementation ?? 'unknown'),
    prefix: raw.prefix,
    supported: raw.supported === true,
    packages: Array.isArray(raw.packages) ? raw.packages : [],
    modules: Array.isArray(raw.modules) ? raw.modules : [],
  };
}

async function runProbe(file: string, names: string[], deps: ValidationDeps, checks: ValidationCheck[]): Promise<ProbeReport | null> {
  const result = await deps.runProcess(file, probeArgs(deps.probeScript, { packages: names, modules: true }), { timeoutMs: deps.deadlineMs }).catch(
    (err: unknown) => ({ stdout: '', stderr: String(err), code: null, signal: null, timedOut: false, overflowed: false, spawnError: errorCode(err) ?? String(err) }),
  );
  if (result.timedOut) return stop(checks, fail('runs', `${file} did not answer within ${deps.deadlineMs} ms`));
  if (result.spawnError) return stop(checks, fail('runs', `${file} could not be started (${result.spawnError})`));
  const report = parseReport(result.stdout);
  if (!report) {
    const exit = result.code === null ? 'it was killed' : `exit code ${result.code}`;
    const detail = stderrTail(result.stderr) || stderrTail(result.stdout);
    return stop(checks, fail('runs', `${file} ran but did not answer like a Python interpreter (${exit}${detail ? `: ${detail}` : ''})`));
  }
  checks.push(pass('runs', `${file} runs`));
  return report;
}

function interpreterChecks(report: ProbeReport, checks: ValidationCheck[]): boolean {
  const impl = report.implementation.toLowerCase();
  const label = impl === 'cpython' ? 'CPython' : impl === 'pypy' ? 'PyPy' : report.implementation;
  if (impl !== 'cpython' && impl !== 'pypy') {
    checks.push(fail('implementation', `${label} ${report.version} is not supported (need CPython or PyPy)`));
  } else {
    checks.push(pass('implementation', `implementation is ${label}`));
  }
  const unsupported = unsupportedVersionReason(report.version) ?? (report.supported ? null : `Python ${report.version} is not supported`);
  checks.push(unsupported ? fail('version', unsupported) : pass('version', `${label} ${report.version}`));
  return unsupported === null;
}

async function venvChecks(
  file: string,
  venv: string,
  report: ProbeReport | null,
  fs: SafeFs,
  p: PathApi,
  checks: ValidationCheck[],
): Promise<void> {
  const stat = await fs.stat(venv);
  if (!stat) return void checks.push(fail('venv-folder', `venv folder ${venv} does not exist`));
  if (!stat.isDirectory()) return void checks.push(fail('venv-folder', `venv path ${venv} is not a folder`));
  checks.push(pass('venv-folder', `venv folder ${venv} exists`));
  const cfgPath = p.join(venv, 'pyvenv.cfg');
  const text = await fs.readText(cfgPath);
  if (text === null) return void checks.push(fail('venv-config', `${cfgPath} is missing or unreadable: ${venv} is not a virtual environment`));
  checks.push(pass('venv-config', `${cfgPath} is readable`));
  const home = parsePyvenvCfg(text).home;
  if (!home) checks.push(fail('venv-home', `${cfgPath} has no "home" entry, the base interpreter is unknown`));
  else if (!(await fs.isDir(home))) checks.push(fail('venv-home', `base interpreter folder ${home} (pyvenv.cfg "home") does not exist: the venv is broken`));
  else checks.push(pass('venv-home', `base interpreter folder ${home} exists`));

  const venvReal = (await fs.realpath(venv)) ?? venv;
  const dirReal = (await fs.realpath(p.dirname(file))) ?? p.dirname(file);
  const rel = p.relative(venvReal, dirReal);
  const inside = rel !== '' && !rel.startsWith('..') && !p.isAbsolute(rel);
  const prefixReal = report ? ((await fs.realpath(report.prefix)) ?? report.prefix) : null;
  if (inside || prefixReal === venvReal) checks.push(pass('venv-membership', `${file} belongs to venv ${venv}`));
  else {
    const why = prefixReal ? ` (its sys.prefix is ${report?.prefix})` : '';
    checks.push(fail('venv-membership', `${file} does not belong to venv ${venv}${why}`));
  }
}

/** Files and folders on the way to the interpreter that other users may write to (sticky folders excepted). */
async function writableByOthers(file: string, resolved: string, fs: SafeFs, p: PathApi): Promise<string[]> {
  const targets = new Set<string>([resolved]);
  for (const start of [resolved, file]) {
    for (let dir = p.dirname(start); ; dir = p.dirname(dir)) {
      targets.add(dir);
      if (p.dirname(dir) === dir) break;
    }
  }
  const stats = await Promise.all([...targets].map(async (t) => [t, await fs.stat(t)] as const));
  return stats
    .filter(([, s]) => s !== null && (s.mode & 0o002) !== 0 && !(s.isDirectory() && (s.mode & 0o1000) !== 0))
    .map(([t, s]) => `${t} (mode ${octal(s?.mode ?? 0)})`);
}

export async function validateInterpreter(entry: ValidationEntry, deps: ValidationDeps): Promise<ValidationReport> {
  const started = deps.now();
  const p = pathApiFor(deps.platform);
  const fs = new SafeFs(deps.fs);
  const checks: ValidationCheck[] = [];
  const file = p.normalize(entry.path);
  const names = [
    ...new Map(
      (entry.required_packages ?? []).flatMap((r) => {
        const name = requirementName(r);
        return name ? [[normalizePackageName(name), name] as const] : [];
      }),
    ).values(),
  ];

  const resolved = p.isAbsolute(file)
    ? await fileChecks(file, deps, fs, p, checks)
    : stop(checks, fail('exists', `${entry.path} is not an absolute path`));
  const report = resolved ? await runProbe(file, names, deps, checks) : null;
  const supported = report ? interpreterChecks(report, checks) : false;
  if (entry.venv_path && !p.isAbsolute(entry.venv_path)) checks.push(fail('venv-folder', `venv path ${entry.venv_path} is not an absolute path`));
  else if (entry.venv_path) await venvChecks(file, p.normalize(entry.venv_path), report, fs, p, checks);

  const packages: PackageVersion[] = [];
  if (report && supported) {
    for (const name of names) {
      const version = report.packages.find((pkg) => normalizePackageName(pkg.name) === normalizePackageName(name))?.version ?? null;
      packages.push({ name, version });
      checks.push(
        version ? pass(`package:${name}`, `${name} ${version} is installed`) : fail(`package:${name}`, `required package ${name} is not installed`),
      );
    }
    for (const module of report.modules) {
      checks.push(
        module.ok
          ? pass(`module:${module.name}`, `${module.name} imports`)
          : fail(`module:${module.name}`, `the executor needs ${module.name}, which cannot be imported (${module.error ?? 'unknown error'})`),
      );
    }
  }
  if (resolved && deps.platform !== 'win32') {
    const open = await writableByOthers(file, resolved, fs, p);
    checks.push(
      open.length
        ? warn('permissions', `writable by other users, anyone on this machine could replace the interpreter: ${open.join(', ')}`)
        : pass('permissions', `nothing on the way to ${file} is writable by other users`),
    );
  }
  return {
    ok: checks.every((c) => c.ok || c.level !== 'error'),
    checks,
    version: report?.version ?? null,
    implementation: report ? report.implementation.toLowerCase() : null,
    packages,
    durationMs: deps.now() - started,
  };
}
