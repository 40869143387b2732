import { AppError } from './app-error.js';

/** 401: missing or wrong API token. */
export class UnauthorizedError extends AppError {
  readonly statusCode = 401;
  readonly code = 'unauthorized';

  constructor(message = 'A valid API token is required: send "Authorization: Bearer <token>".') {
    super(message);
  }
}
