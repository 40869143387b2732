import { AppError } from './app-error.js';
import type { ErrorCodeWithStatus } from './error-codes.js';

/** 404: unknown container or snapshot (code container_not_found, snapshot_not_found, ...). */
export class NotFoundError extends AppError {
  readonly statusCode = 404;

  constructor(
    readonly code: ErrorCodeWithStatus<404>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, [], options);
  }
}
