/**
 * The discovery probe: a one-liner valid in Python 2 and 3 that prints what the
 * file-based readers could not tell. One process per interpreter, all in parallel,
 * under one deadline.
 */
import type { RunProcess, RunResult } from '../../process/run.js';
import type { ProbeInfo, ProbeOutcome, RunProbe } from './types.js';
import { fullVersion, normalizeArch } from './version-files.js';

export const PROBE_MARKER = '@@webhook-bridge-probe@@';

/** Python 2.6+ and 3.x compatible; prints one marked JSON line. */
export const PROBE_CODE = [
  'import sys, json, platform',
  'v = sys.version_info',
  'sys.stdout.write("' + PROBE_MARKER + '" + json.dumps({',
  '"version": "%d.%d.%d" % (v[0], v[1], v[2]),',
  '"implementation": platform.python_implementation(),',
  '"machine": platform.machine(),',
  '"bits": 64 if sys.maxsize > 2 ** 32 else 32,',
  '"prefix": sys.prefix,',
  '"base_prefix": getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix)),',
  '"executable": sys.executable}) + "\\n")',
].join('\n');

/** `-E -s`: ignore PYTHON* variables and the user site, both exist in Python 2 as well. */
export const PROBE_ARGS: readonly string[] = ['-E', '-s', '-c', PROBE_CODE];

function field(record: Record<string, unknown>, name: string): string | null {
  const value = record[name];
  return typeof value === 'string' ? value : null;
}

/** Parses the marked line; null when the output is not the probe's. */
export function parseProbeOutput(stdout: string): ProbeInfo | null {
  const line = stdout.split(/\r?\n/).find((candidate) => candidate.startsWith(PROBE_MARKER));
  if (!line) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(PROBE_MARKER.length));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const record = parsed as Record<string, unknown>;
  const version = fullVersion(field(record, 'version') ?? undefined);
  const prefix = field(record, 'prefix');
  if (!version || prefix === null) return null;
  const bits = typeof record.bits === 'number' ? record.bits : undefined;
  return {
    version,
    implementation: (field(record, 'implementation') ?? 'unknown').toLowerCase(),
    architecture: normalizeArch(field(record, 'machine'), bits),
    prefix,
    basePrefix: field(record, 'base_prefix') ?? prefix,
    executable: field(record, 'executable') ?? '',
  };
}

/** Last non-empty line of stderr, shortened: usually the actual error of a failed start. */
export function stderrTail(stderr: string, max = 200): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const last = lines.at(-1) ?? '';
  return last.length > max ? `${last.slice(0, max)}…` : last;
}

export function createProbeRunner(runProcess: RunProcess): RunProbe {
  return async (paths, deadlineMs) => {
    const outcomes = await Promise.all(
      paths.map(async (file): Promise<[string, ProbeOutcome]> => {
        try {
          const result = await runProcess(file, PROBE_ARGS, { timeoutMs: deadlineMs });
          return [file, outcomeOf(result, deadlineMs)];
        } catch (err) {
          const reason = `could not be started: ${err instanceof Error ? err.message : String(err)}`;
          return [file, { ok: false, reason, transient: false }];
        }
      }),
    );
    return new Map(outcomes);
  };
}

function outcomeOf(result: RunResult, deadlineMs: number): ProbeOutcome {
  if (result.timedOut) {
    return { ok: false, reason: `did not answer within ${deadlineMs} ms`, transient: true };
  }
  if (result.spawnError) return { ok: false, reason: `could not be started (${result.spawnError})`, transient: false };
  const info = parseProbeOutput(result.stdout);
  if (info) return { ok: true, info };
  const detail = stderrTail(result.stderr);
  const exit = result.code === null ? 'was killed' : `exited with code ${result.code}`;
  return { ok: false, reason: `probe failed: ${exit}${detail ? `: ${detail}` : ''}`, transient: false };
}
