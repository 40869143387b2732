import { AppError } from './app-error.js';

/** 404: unknown container or snapshot (code container_not_found, snapshot_not_found, ...). */
export class NotFoundError extends AppError {
  readonly statusCode = 404;

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
