/**
 * A quick look into an interpreter before and after an install: whether it is a venv, whether it
 * is externally managed (PEP 668), its pip, and which of some distributions are installed.
 */
import { normalizePackageName } from '../interpreters/validation.js';
import type { RunProcess } from '../process/run.js';

export const PROBE_MARKER = '@@webhook-bridge-provision@@';

/** Runs on Python 3.8+ with the same environment as the install tool (user site included, as pip sees it). */
export const PROBE_SCRIPT = `
import json, os, re, sys, sysconfig
def norm(n):
    return re.sub(r"[-_.]+", "-", n).lower()
wanted = json.loads(sys.argv[1])
base = getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix))
stdlib = sysconfig.get_path("stdlib")
marker = os.path.join(stdlib, "EXTERNALLY-MANAGED")
have = {}
try:
    from importlib import metadata
    for d in metadata.distributions():
        try:
            name = d.metadata["Name"]
        except Exception:
            name = None
        if name and norm(name) not in have:
            have[norm(name)] = d.version
except Exception:
    pass
import importlib.util
out = {
    "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
    "prefix": sys.prefix,
    "in_venv": sys.prefix != base,
    "stdlib": stdlib,
    "marker": marker,
    "externally_managed": sys.prefix == base and os.path.isfile(marker),
    "pip": have.get("pip") if importlib.util.find_spec("pip") else None,
    "installed": dict((w, have.get(norm(w))) for w in wanted),
}
sys.stdout.write("${PROBE_MARKER}" + json.dumps(out) + "\\n")
`;

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

export async function probeInterpreter(
  runProcess: RunProcess,
  python: string,
  distributions: readonly string[],
  cwd: string,
  timeoutMs = 20_000,
): Promise<ProbeResult> {
  const result = await runProcess(python, ['-c', PROBE_SCRIPT, JSON.stringify(distributions)], { timeoutMs, cwd });
  if (result.spawnError) throw new Error(`${python} could not be started (${result.spawnError})`);
  if (result.timedOut) throw new Error(`${python} did not answer within ${timeoutMs} ms`);
  const line = result.stdout.split(/\r?\n/).find((l) => l.startsWith(PROBE_MARKER));
  if (!line) {
    const detail = (result.stderr.trim().split(/\r?\n/).pop() ?? '').slice(0, 300);
    throw new Error(`${python} did not answer like a Python 3.8+ interpreter (exit code ${result.code ?? 'none'}${detail ? `: ${detail}` : ''})`);
  }
  const raw = JSON.parse(line.slice(PROBE_MARKER.length)) as {
    version: string; prefix: string; in_venv: boolean; marker: string; externally_managed: boolean; pip: string | null;
    installed: Record<string, string | null>;
  };
  return {
    version: raw.version,
    prefix: raw.prefix,
    inVenv: raw.in_venv,
    externallyManaged: raw.externally_managed,
    marker: raw.marker,
    pip: raw.pip,
    installed: new Map(distributions.map((d) => [d, raw.installed[d] ?? null])),
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
