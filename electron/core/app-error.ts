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

/** One input field at fault and what is wrong with it (`field` may be a path: `environment.FOO`). */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The one shape of `details` for errors about input fields, whoever found them: schema validation
 * (`InputValidator`, one entry per problem) and the core's own checks alike.
 */
export interface FieldErrorDetails {
  fields: FieldProblem[];
}

export const fieldDetails = (...problems: FieldProblem[]): FieldErrorDetails => ({ fields: problems });

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', what);
export const conflict = (why: string, details?: unknown): AppError => new AppError('CONFLICT', why, details);

/**
 * INVALID_INPUT about one input field: `details` is `{ fields: [{ field, message: problem }] }` and
 * the message `field: problem`, unless a fuller sentence is given for it.
 */
export const invalid = (field: string, problem: string, message = `${field}: ${problem}`): AppError =>
  new AppError('INVALID_INPUT', message, fieldDetails({ field, message: problem }));

/** Turns anything thrown into an envelope body; unexpected errors never leak a stack. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  return { code: 'INTERNAL', message: 'Internal error' };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
