/** Error codes shared by the REST API, IPC envelopes and the renderer. */
export const ErrorCodes = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  CONFIG_INVALID: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  BAD_GATEWAY: 502,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** The JSON body of every REST error: `{ "error": { code, message, details? } }`. */
export interface ErrorResponse {
  error: ErrorBody;
}

export function httpStatusOf(code: ErrorCode): number {
  return ErrorCodes[code];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ErrorCodes, value);
}
