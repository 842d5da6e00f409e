/**
 * gRPC failures as the app's errors:
 *   UNAVAILABLE, CANCELLED (channel closed under the call), UNAUTHENTICATED → UNAVAILABLE (503 + Retry-After)
 *   DEADLINE_EXCEEDED → TIMEOUT (504)       NOT_FOUND → NOT_FOUND (404)
 *   INVALID_ARGUMENT → INVALID_INPUT (400)
 *   RESOURCE_EXHAUSTED → BAD_GATEWAY (502): requests are capped at 1 MiB long before the 32 MiB gRPC
 *     cap, so it is an answer over the cap (a plugin's, from an executor that does not check it itself)
 *   anything else → INTERNAL (500) naming the gRPC code.
 */
import { AppError, errorMessage } from '../app-error.js';
import { ExecutorError } from './grpc-errors.js';

export function toAppError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  if (!(err instanceof ExecutorError)) return new AppError('INTERNAL', `${what} failed: ${errorMessage(err)}`);
  const detail = err.message;
  switch (err.code) {
    case 'UNAVAILABLE':
    case 'CANCELLED':
      return new AppError('UNAVAILABLE', `${what}: the executor is unavailable (${detail})`);
    case 'UNAUTHENTICATED':
      return new AppError('UNAVAILABLE', `${what}: the executor refused this app's token (${detail})`);
    case 'DEADLINE_EXCEEDED':
      return new AppError('TIMEOUT', `${what}: the executor did not answer in time (${detail})`);
    case 'NOT_FOUND':
      return new AppError('NOT_FOUND', detail);
    case 'INVALID_ARGUMENT':
      return new AppError('INVALID_INPUT', detail);
    case 'RESOURCE_EXHAUSTED':
      return new AppError('BAD_GATEWAY', `${what}: the executor's answer is over the 32 MiB limit of a plugin response (${detail})`);
    default:
      return new AppError('INTERNAL', `${what}: executor error ${err.code}: ${detail}`);
  }
}
