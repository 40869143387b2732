import { AppError } from '../../errors/app-error.js';
import type { ErrorCode } from '../../errors/error-codes.js';

/**
 * Protocol-level failures the HTTP layer itself detects (405 method_not_allowed, 413 payload_too_large,
 * 501 method_not_implemented, ...), where no domain error class fits.
 */
export class HttpError extends AppError {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
