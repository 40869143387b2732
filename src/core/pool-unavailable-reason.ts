/**
 * Why a pool is unavailable, as clients read it (GET /health, pool_unavailable errors, capture entries "on
 * pool X, which is unavailable (reason)"). A probe or recovery failure's own text holds what the host said:
 * the loader's message with library paths, the command's stderr, mount paths. That goes to the log (the
 * registry's caller logs the error); the reason is a sentence an operator can act on, without it.
 */
import { MissingSoftwareError, StorageError } from '../../storage-drivers/common/errors.js';
import { AppError } from '../errors/app-error.js';
import { toPublicError } from './public-error.js';

export function poolUnavailableReason(error: unknown): string {
  if (error instanceof MissingSoftwareError) return `${error.missing} is not installed`;
  // An API error's message is written for clients already (e.g. Docker cannot be reached).
  if (error instanceof AppError) return `${error.message} (${error.code})`;
  // No request id to search for here: the log line carries the pool id.
  const code = error instanceof StorageError ? toPublicError(error).code : 'internal_error';
  // Ends with the code, like every other reason: clients and scripts read the code last.
  return `its storage check failed; the service log has the details under this pool's id (${code})`;
}
