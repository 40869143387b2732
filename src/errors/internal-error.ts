import { AppError } from './app-error.js';
import type { ErrorCodeWithStatus } from './error-codes.js';

/** 500: something failed that the caller cannot fix; the message says which step. */
export class InternalError extends AppError {
  readonly statusCode = 500;

  constructor(
    readonly code: ErrorCodeWithStatus<500>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, [], options);
  }
}
