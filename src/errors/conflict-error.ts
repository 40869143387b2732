import { AppError } from './app-error.js';

/** 409: busy or conflicting state (container_busy, alias_taken, name_taken, ...). */
export class ConflictError extends AppError {
  readonly statusCode = 409;

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
