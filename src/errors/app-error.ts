/**
 * Base of every error the API reports: an HTTP status, a stable snake_case code scripts can match on,
 * a human sentence, and details (for validation: one entry per problem).
 */
import type { ErrorCode } from './error-codes.js';

export interface ErrorDetail {
  /** JSON pointer-ish path of the offending field, e.g. "/body/expiry"; "" for the request as a whole. */
  readonly path: string;
  readonly message: string;
}

export abstract class AppError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];

  constructor(message: string, details: readonly ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }

  toJSON(): { statusCode: number; message: string; error: { code: string; details: readonly ErrorDetail[] } } {
    return { statusCode: this.statusCode, message: this.message, error: { code: this.code, details: this.details } };
  }
}
