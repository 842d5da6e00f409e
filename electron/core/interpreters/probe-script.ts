/**
 * The one interpreter probe, resources/python/interpreter_probe.py, shared by discovery (the
 * basics, under `-E -s`), validation (packages and the executor's modules) and package jobs
 * (venv, PEP 668 marker, pip, installed versions). One script, one marker.
 */
import path from 'node:path';

export const PROBE_MARKER = '@@webhook-bridge-probe@@';

/** Where the probe is below the app's resources folder. */
export function probeScriptIn(resourcesDir: string): string {
  return path.join(resourcesDir, 'python', 'interpreter_probe.py');
}

/** What the probe reports beyond the basics (version, implementation, machine, bits, prefixes, supported). */
export interface ProbeRequest {
  /** Distribution names whose installed versions are wanted. */
  packages?: readonly string[];
  /** Whether the executor's modules (grpc, protobuf) import. */
  modules?: boolean;
  /** venv, stdlib, the EXTERNALLY-MANAGED marker, pip. */
  environment?: boolean;
}

export function probeArgs(script: string, request?: ProbeRequest): string[] {
  return request ? [script, JSON.stringify(request)] : [script];
}

/** The JSON object on the marked line of the probe's output; null when there is none or it is not JSON. */
export function probeReport(stdout: string): Record<string, unknown> | null {
  const line = stdout.split(/\r?\n/).find((candidate) => candidate.startsWith(PROBE_MARKER));
  if (!line) return null;
  try {
    const parsed: unknown = JSON.parse(line.slice(PROBE_MARKER.length));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
