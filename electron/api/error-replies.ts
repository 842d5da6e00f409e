import type { FastifyError, FastifyInstance } from 'fastify';
import { codeForStatus, httpStatusOf, type ErrorCode, type ErrorResponse } from '../../shared/errors.js';
import { AppError } from '../core/app-error.js';
import type { Logger } from '../core/logging/logger.js';

export function errorPayload(code: ErrorCode, message: string, details?: unknown): ErrorResponse {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** A 503's Retry-After: the error's own hint (`details.retry_after_s`, e.g. a plugin at its concurrency limit), else 1 s. */
export function retryAfterSeconds(details: unknown): number {
  if (typeof details === 'object' && details !== null && 'retry_after_s' in details) {
    const s = (details as { retry_after_s: unknown }).retry_after_s;
    if (typeof s === 'number' && Number.isInteger(s) && s >= 1) return s;
  }
  return 1;
}

/**
 * Every error leaves as `{ error: { code, message, details? } }` with the status of its code in
 * shared/errors.ts (fastify's own errors: the code of their status); a 500 never shows a stack.
 */
export function installErrorHandling(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      const status = httpStatusOf(err.code);
      if (status === 503) reply.header('Retry-After', String(retryAfterSeconds(err.details)));
      return reply.code(status).send({ error: err.toBody() });
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      logger.error(`${request.method} ${request.url.split('?')[0]} failed: ${err.stack ?? err.message}`);
      return reply.code(500).send(errorPayload('INTERNAL', 'Internal error'));
    }
    const code = codeForStatus(status);
    const message = code === 'PAYLOAD_TOO_LARGE' ? 'request body is larger than the 1 MiB limit' : err.message;
    return reply.code(status).send(errorPayload(code, message));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    return reply.code(404).send(errorPayload('NOT_FOUND', `no route ${request.method} ${path.slice(0, 200)}`));
  });
}
