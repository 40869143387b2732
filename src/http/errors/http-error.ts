import { AppError } from '../../errors/app-error.js';

/**
 * Protocol-level failures the HTTP layer itself detects (405 method_not_allowed, 413 payload_too_large,
 * 501 method_not_implemented, ...), where no domain error class fits.
 */
export class HttpError extends AppError {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
