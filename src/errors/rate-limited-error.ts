import { AppError } from './app-error.js';

/** 429: the key sent more mutating requests than its rate allows; `retryAfterSeconds` goes to Retry-After. */
export class RateLimitedError extends AppError {
  readonly statusCode = 429;
  readonly code = 'rate_limited';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
