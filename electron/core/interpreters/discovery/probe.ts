/**
 * The discovery probe: the interpreter probe (../probe-script.ts) asked for the basics only,
 * under `-E -s` (no PYTHON* variables, no user site), printing what the file-based readers could
 * not tell. One process per interpreter, all in parallel, under one deadline.
 */
import type { RunProcess, RunResult } from '../../process/run.js';
import { probeArgs, probeReport } from '../probe-script.js';
import type { ProbeInfo, ProbeOutcome, RunProbe } from './types.js';
import { fullVersion, normalizeArch } from './version-files.js';

/** `-E -s`: ignore PYTHON* variables and the user site, both exist in Python 2 as well. */
function discoveryArgs(script: string): string[] {
  return ['-E', '-s', ...probeArgs(script)];
}

function field(record: Record<string, unknown>, name: string): string | null {
  const value = record[name];
  return typeof value === 'string' ? value : null;
}

/** Parses the marked line; null when the output is not the probe's. */
export function parseProbeOutput(stdout: string): ProbeInfo | null {
  const record = probeReport(stdout);
  if (!record) return null;
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

/** `probeScript`: the path of interpreter_probe.py (`probeScriptIn(resourcesDir)`). */
export function createProbeRunner(runProcess: RunProcess, probeScript: string): RunProbe {
  return async (paths, deadlineMs) => {
    const outcomes = await Promise.all(
      paths.map(async (file): Promise<[string, ProbeOutcome]> => {
        try {
          const result = await runProcess(file, discoveryArgs(probeScript), { timeoutMs: deadlineMs });
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
