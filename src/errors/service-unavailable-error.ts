import { AppError } from './app-error.js';
import type { ErrorCodeWithStatus } from './error-codes.js';

/** 503: a component cowsnap needs is down (docker_unavailable, pool_unavailable, ...). */
export class ServiceUnavailableError extends AppError {
  readonly statusCode = 503;

  constructor(
    readonly code: ErrorCodeWithStatus<503>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, [], options);
  }
}
