import { AppError, type ErrorDetail } from './app-error.js';

/** One used-up quota: which, its limit and the current use (what the API puts in error.details). */
export interface QuotaDetail extends ErrorDetail {
  readonly quota: string;
  readonly project: string;
  readonly limit: number;
  readonly used: number;
  readonly remote?: string;
}

/** 403 quota_exceeded: creating (or moving) this would take the project past a quota; nothing was changed. */
export class QuotaExceededError extends AppError {
  readonly statusCode = 403;
  readonly code = 'quota_exceeded';

  /** Every quota the change would exceed, each a detail. */
  constructor(message: string, details: readonly QuotaDetail[]) {
    super(message, [...details]);
  }
}
