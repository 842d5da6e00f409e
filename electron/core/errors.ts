import type { ErrorBody, ErrorCode } from '../../shared/errors.js';

/** An error the core raises on purpose: its code and message go to the caller as they are. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', what);
export const conflict = (why: string, details?: unknown): AppError => new AppError('CONFLICT', why, details);
export const invalid = (why: string, details?: unknown): AppError => new AppError('INVALID_INPUT', why, details);

/** Turns anything thrown into an envelope body; unexpected errors never leak a stack. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  return { code: 'INTERNAL', message: 'Internal error' };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
