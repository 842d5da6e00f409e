import type { ErrorBody } from './errors.js';

/** The envelope every IPC call answers with. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: ErrorBody): Result<T> {
  return { ok: false, error };
}
