import { AppError } from './app-error.js';
import type { ErrorCodeWithStatus } from './error-codes.js';

/** 409: busy or conflicting state (container_busy, alias_taken, name_taken, ...). */
export class ConflictError extends AppError {
  readonly statusCode = 409;

  constructor(
    readonly code: ErrorCodeWithStatus<409>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, [], options);
  }
}
