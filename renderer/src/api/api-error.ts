import { codeForStatus, isErrorCode, type ErrorCode } from '../../../shared/errors';

/**
 * Every failed call, whichever transport carried it: the contract's `{ code, message, details }`
 * (codes and statuses from shared/errors.ts; `UNREACHABLE` when no answer came at all).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** HTTP status when the HTTP transport carried the call. */
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads an `{ error: { code, message, details } }` body (or an IPC error) into an ApiError. */
export function errorFromBody(body: unknown, status: number | null = null): ApiError {
  const inner = isRecord(body) && isRecord(body['error']) ? body['error'] : body;
  if (isRecord(inner) && typeof inner['message'] === 'string') {
    const code = isErrorCode(inner['code']) ? inner['code'] : codeForStatus(status);
    return new ApiError(code, inner['message'], inner['details'], status);
  }
  return new ApiError(codeForStatus(status), status ? `the server answered HTTP ${status}` : 'unexpected answer', undefined, status);
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof Error) return new ApiError('INTERNAL', err.message);
  return new ApiError('INTERNAL', String(err));
}

/**
 * Field errors keyed by the input's top-level field (`environment.FOO` → `environment`), from the
 * API's one shape for them, `details.fields: [{ field, message }]` (schema checks and the core's own).
 */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError) || !isRecord(err.details) || !Array.isArray(err.details['fields'])) return {};
  const out: Record<string, string> = {};
  for (const f of err.details['fields']) {
    if (!isRecord(f) || typeof f['field'] !== 'string') continue;
    const top = f['field'].split('.')[0] ?? f['field'];
    const text = typeof f['message'] === 'string' ? f['message'] : err.message;
    out[top] = out[top] ? `${out[top]}; ${text}` : text;
  }
  return out;
}
