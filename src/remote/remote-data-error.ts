import { AppError } from '../errors/app-error.js';

export type RemoteDataProblem =
  | 'replica_missing'
  | 'replica_key_mismatch'
  | 'replica_corrupt'
  | 'replica_truncated'
  | 'replica_digest_mismatch'
  | 'replica_format_unknown'
  | 'manifest_invalid';

/**
 * 502: what the remote returned cannot be trusted (altered, cut, encrypted with another key, missing).
 * The message names the object and what is wrong; it never contains key material or host paths.
 */
export class RemoteDataError extends AppError {
  readonly statusCode = 502;

  constructor(
    readonly code: RemoteDataProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, [], options);
  }
}
