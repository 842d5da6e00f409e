import type { FastifyError, FastifyInstance } from 'fastify';
import { httpStatusOf, type ErrorCode, type ErrorResponse } from '../../shared/errors.js';
import { AppError } from '../core/errors.js';
import type { Logger } from '../core/logging/logger.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_INPUT',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_INPUT',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_INPUT',
};

function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'NOT_FOUND';
  if (status === 405) return 'METHOD_NOT_ALLOWED';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  return 'INVALID_INPUT';
}

export function errorPayload(code: ErrorCode, message: string, details?: unknown): ErrorResponse {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Every error leaves as `{ error: { code, message, details? } }`; a 500 never shows a stack. */
export function installErrorHandling(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      const status = httpStatusOf(err.code);
      if (status === 503) reply.header('Retry-After', '1');
      return reply.code(status).send({ error: err.toBody() });
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    const status = known ? httpStatusOf(known) : (err.statusCode ?? 500);
    if (status >= 500) {
      logger.error(`${request.method} ${request.url.split('?')[0]} failed: ${err.stack ?? err.message}`);
      return reply.code(500).send(errorPayload('INTERNAL', 'Internal error'));
    }
    const code = known ?? codeForStatus(status);
    const message = code === 'PAYLOAD_TOO_LARGE' ? 'request body is larger than the 1 MiB limit' : err.message;
    return reply.code(status).send(errorPayload(code, message));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    return reply.code(404).send(errorPayload('NOT_FOUND', `no route ${request.method} ${path.slice(0, 200)}`));
  });
}
