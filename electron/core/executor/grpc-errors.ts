import { status as GrpcStatus } from '@grpc/grpc-js';

/** gRPC status names, as the executor and grpc-js use them. */
export type ExecutorErrorCode =
  | 'OK'
  | 'CANCELLED'
  | 'UNKNOWN'
  | 'INVALID_ARGUMENT'
  | 'DEADLINE_EXCEEDED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'UNAUTHENTICATED';

const CODE_NAMES: readonly ExecutorErrorCode[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/**
 * A failed executor call. `grpcCode` is the numeric gRPC status (see
 * `status` in @grpc/grpc-js), `code` its name; `message` is the server's
 * details (or grpc-js's own description for transport failures). `notStarted`: the executor said
 * it did not start the plugin for this call (a StreamReply error with `started=false`).
 */
export class ExecutorError extends Error {
  readonly code: ExecutorErrorCode;

  constructor(
    readonly grpcCode: number,
    message: string,
    readonly notStarted = false,
  ) {
    super(message);
    this.name = 'ExecutorError';
    this.code = CODE_NAMES[grpcCode] ?? 'UNKNOWN';
  }

  toJSON(): { grpcCode: number; code: ExecutorErrorCode; message: string } {
    return { grpcCode: this.grpcCode, code: this.code, message: this.message };
  }
}

interface GrpcLikeError {
  code: number;
  details?: unknown;
  message?: unknown;
}

function isGrpcLikeError(err: unknown): err is GrpcLikeError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number';
}

/** Any error from a grpc-js call (a ServiceError) as an ExecutorError. */
export function toExecutorError(err: unknown): ExecutorError {
  if (err instanceof ExecutorError) return err;
  if (isGrpcLikeError(err)) {
    const details = typeof err.details === 'string' && err.details !== '' ? err.details : undefined;
    const message = details ?? (typeof err.message === 'string' ? err.message : 'gRPC call failed');
    return new ExecutorError(err.code, message);
  }
  return new ExecutorError(GrpcStatus.UNKNOWN, err instanceof Error ? err.message : String(err));
}

/**
 * True for a call that certainly never ran its plugin, and failed because this executor cannot
 * take it now, so it is safe to send it to another one:
 * - grpc-js failed it before any connection carried it (the process behind the address is gone:
 *   ECONNREFUSED, no socket file);
 * - the executor refused it, saying the plugin did not start: a StreamReply `UNAVAILABLE` with
 *   `started=false` (it is stopping).
 * A dropped connection ("Connection dropped") or a broken stream is not, even for a call without a
 * started notice: the plugin may have started an instant before. Nor is a call cancelled by its
 * caller, or refused as invalid.
 */
export function neverReachedExecutor(err: unknown): boolean {
  const e = toExecutorError(err);
  if (e.notStarted) return e.code === 'UNAVAILABLE';
  return e.code === 'UNAVAILABLE' && e.message.startsWith('No connection established');
}
