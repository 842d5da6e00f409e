/**
 * The executor's readiness line. Once serving, the executor prints exactly
 * one line to stdout and nothing else ever after:
 *
 *   WEBHOOK_BRIDGE_EXECUTOR_READY {"address":"unix:/run/x.sock","nonce":"…","pid":123,"version":"3.11.2","implementation":"cpython"}
 */
export const HANDSHAKE_PREFIX = 'WEBHOOK_BRIDGE_EXECUTOR_READY ';

export interface ExecutorHandshake {
  /** "unix:/abs/path" or "HOST:PORT" (the real port when started with --port 0). */
  address: string;
  /** Echo of WEBHOOK_BRIDGE_EXECUTOR_NONCE (or one the executor made up if none was given). */
  nonce: string;
  pid: number;
  /** Python version, e.g. "3.11.2". */
  version: string;
  /** sys.implementation.name, e.g. "cpython". */
  implementation: string;
}

/** The handshake in `line`, or null when the line is not a (valid) handshake. */
export function parseHandshakeLine(line: string): ExecutorHandshake | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith(HANDSHAKE_PREFIX.trimEnd())) return null;
  let value: unknown;
  try {
    value = JSON.parse(trimmed.slice(HANDSHAKE_PREFIX.length - 1));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const { address, nonce, pid, version, implementation } = v;
  if (
    typeof address !== 'string' ||
    address === '' ||
    typeof nonce !== 'string' ||
    typeof pid !== 'number' ||
    !Number.isInteger(pid) ||
    typeof version !== 'string' ||
    typeof implementation !== 'string'
  ) {
    return null;
  }
  return { address, nonce, pid, version, implementation };
}
