/**
 * A quick look into an interpreter before and after an install: whether it is a venv, whether it
 * is externally managed (PEP 668), its pip, and which of some distributions are installed.
 */
import { probeArgs, probeReport } from '../interpreters/probe-script.js';
import { normalizePackageName } from '../interpreters/validation.js';
import type { RunProcess } from '../process/run.js';

export interface ProbeResult {
  version: string;
  prefix: string;
  inVenv: boolean;
  externallyManaged: boolean;
  /** The EXTERNALLY-MANAGED file looked for (exists when `externallyManaged`). */
  marker: string;
  /** pip's version, or null when `-m pip` would not work. */
  pip: string | null;
  /** Distribution name → installed version or null. */
  installed: Map<string, string | null>;
}

/** Runs the interpreter probe with the same environment as the install tool (user site included, as pip sees it). */
export async function probeInterpreter(
  runProcess: RunProcess,
  probeScript: string,
  python: string,
  distributions: readonly string[],
  cwd: string,
  timeoutMs = 20_000,
): Promise<ProbeResult> {
  const result = await runProcess(python, probeArgs(probeScript, { packages: distributions, environment: true }), { timeoutMs, cwd });
  if (result.spawnError) throw new Error(`${python} could not be started (${result.spawnError})`);
  if (result.timedOut) throw new Error(`${python} did not answer within ${timeoutMs} ms`);
  const raw = probeReport(result.stdout) as {
    version: string; prefix: string; in_venv?: boolean; marker?: string; externally_managed?: boolean; pip?: string | null;
    packages?: { name: string; version: string | null }[];
  } | null;
  if (!raw || typeof raw.in_venv !== 'boolean') {
    const detail = (result.stderr.trim().split(/\r?\n/).pop() ?? '').slice(0, 300);
    throw new Error(`${python} did not answer like a Python 3.8+ interpreter (exit code ${result.code ?? 'none'}${detail ? `: ${detail}` : ''})`);
  }
  const versions = new Map((raw.packages ?? []).map((p) => [p.name, p.version]));
  return {
    version: raw.version,
    prefix: raw.prefix,
    inVenv: raw.in_venv,
    externallyManaged: raw.externally_managed === true,
    marker: raw.marker ?? '',
    pip: raw.pip ?? null,
    installed: new Map(distributions.map((d) => [d, versions.get(d) ?? null])),
  };
}

/** Names from `wanted` the probe found not installed (PEP 503 comparison). */
export function missingOf(probe: ProbeResult, wanted: readonly string[]): string[] {
  const norm = new Map([...probe.installed].map(([k, v]) => [normalizePackageName(k), v]));
  return wanted.filter((w) => !norm.get(normalizePackageName(w)));
}

/** pip's version as numbers (`24.1.2` → [24, 1, 2]). */
export function pipVersionAtLeast(version: string | null, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}
