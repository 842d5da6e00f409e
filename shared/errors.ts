/**
 * The one error table: every code of the REST API, the IPC envelopes, the preload, the renderer and
 * the Python executor, with its HTTP status both ways. The executor's copy (STATUS_CODES in
 * resources/python/webhook_bridge_executor/conversion.py) is checked equal by test/unit/error-table.test.ts.
 */
export const ErrorCodes = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  /** The request did not arrive in time. */
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  /** The configuration file on disk is invalid, so it cannot be edited. */
  CONFIG_INVALID: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  /** What came from behind the app (a plugin's answer) cannot be relayed. */
  BAD_GATEWAY: 502,
  /** The app answered: the part asked for (the executor) cannot take the call right now. */
  UNAVAILABLE: 503,
  /**
   * The app could not be reached at all (connection refused, IPC failed): no answer came. Only
   * clients (the preload, the renderer's transports) say it; 503 if ever relayed.
   */
  UNREACHABLE: 503,
  TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;
export type ErrorStatus = (typeof ErrorCodes)[ErrorCode];

/** The code an HTTP status stands for; where codes share a status, the general one. */
export const StatusCodes: { readonly [S in ErrorStatus]: ErrorCode } = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
  500: 'INTERNAL',
  502: 'BAD_GATEWAY',
  503: 'UNAVAILABLE',
  504: 'TIMEOUT',
};

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** The JSON body of every REST error: `{ "error": { code, message, details? } }`. */
export interface ErrorResponse {
  error: ErrorBody;
}

export function httpStatusOf(code: ErrorCode): ErrorStatus {
  return ErrorCodes[code];
}

/**
 * The code for an HTTP status: the table's, else the one rule for statuses outside it — a 4xx is
 * the caller's fault (INVALID_INPUT), anything else (5xx, no status at all) is INTERNAL.
 */
export function codeForStatus(status: number | null | undefined): ErrorCode {
  if (status !== null && status !== undefined && Object.prototype.hasOwnProperty.call(StatusCodes, status)) {
    return StatusCodes[status as ErrorStatus];
  }
  return status !== null && status !== undefined && status >= 400 && status < 500 ? 'INVALID_INPUT' : 'INTERNAL';
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ErrorCodes, value);
}
