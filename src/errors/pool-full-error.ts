import { AppError } from './app-error.js';

/** 507: the storage pool has no space left for the operation. */
export class PoolFullError extends AppError {
  readonly statusCode = 507;
  readonly code = 'pool_full';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, [], options);
  }
}
