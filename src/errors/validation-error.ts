import { AppError, type ErrorDetail } from './app-error.js';
import type { ErrorCodeWithStatus } from './error-codes.js';

/** 400: bad input. Lists every problem, not just the first. */
export class ValidationError extends AppError {
  readonly statusCode = 400;
  readonly code: ErrorCodeWithStatus<400>;

  constructor(details: readonly ErrorDetail[], code: ErrorCodeWithStatus<400> = 'validation_failed') {
    const summary = details.map((d) => (d.path === '' ? d.message : `${d.path}: ${d.message}`)).join('; ');
    super(`Invalid request: ${summary}`, details);
    this.code = code;
  }
}
