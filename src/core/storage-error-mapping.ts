/**
 * The one translation of storage-driver errors into API errors. A StorageError's own message holds the
 * command line, dataset paths and stderr: that stays on the error's `cause` (which the log prints, with the
 * request id); the API error's message is a sentence about the operation, never about the host.
 */
import { NestedDatasetsError, StorageError } from '../../storage-drivers/common/errors.js';
import type { AppError } from '../errors/app-error.js';
import { ConflictError } from '../errors/conflict-error.js';
import { InternalError } from '../errors/internal-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { PoolFullError } from '../errors/pool-full-error.js';

export const SEE_THE_LOG = 'The server log has the details (search for the request id).';

/** `what` names the operation for the message ("Snapshot of web"); without it the sentence stands alone. */
export function storageAppError(error: StorageError, what?: string): AppError {
  const prefix = what === undefined ? '' : `${what}: `;
  const options = { cause: error };
  if (error instanceof NestedDatasetsError) return nestedDatasetsConflict(error, what ?? 'The operation');
  switch (error.code) {
    case 'no_space':
      return new PoolFullError(`${prefix}the storage pool is full; free space or delete snapshots, then retry.`, options);
    case 'busy':
      return new ConflictError('storage_busy', `${prefix}a filesystem is busy; retry when the other operation has finished.`, options);
    case 'not_found':
      return new NotFoundError('storage_not_found', `${prefix}a filesystem the operation needs does not exist.`, options);
    default:
      return new InternalError('storage_failed', `${prefix}a storage command failed. ${SEE_THE_LOG}`, options);
  }
}

/**
 * For the services: storage errors that mean something to the caller (pool full, busy) become API errors;
 * the others are returned unchanged, so the service can wrap them with the step that failed.
 */
export function mapStorageError(error: unknown, what: string): unknown {
  if (!(error instanceof StorageError)) return error;
  if (error.code === 'no_space' || error.code === 'busy' || error instanceof NestedDatasetsError) return storageAppError(error, what);
  return error;
}

/**
 * 409 naming the nested datasets by their paths inside the container's filesystem or volume (never host
 * paths). JSON-quoted: a name made inside a container may hold newlines or quotes.
 */
export function nestedDatasetsConflict(error: NestedDatasetsError, what: string): ConflictError {
  const paths = error.relativePaths.map((p) => JSON.stringify(p)).join(', ');
  return new ConflictError(
    'nested_datasets',
    `${what}: the filesystem holds nested datasets that this storage pool cannot capture (${paths}); remove them or move them out, then retry.`,
    { cause: error },
  );
}
