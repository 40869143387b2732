import { NestedDatasetsError, StorageError } from '../../storage-drivers/common/errors.js';
import { ConflictError } from '../errors/conflict-error.js';
import { PoolFullError } from '../errors/pool-full-error.js';

/** Storage errors that mean something to the caller become API errors; the rest stay as they are. */
export function mapStorageError(error: unknown, what: string): unknown {
  if (!(error instanceof StorageError)) return error;
  if (error.code === 'no_space') return new PoolFullError(`${what}: the storage pool is full (${error.message})`, { cause: error });
  if (error.code === 'busy') return new ConflictError('storage_busy', `${what}: the filesystem is busy (${error.message})`);
  if (error instanceof NestedDatasetsError) return nestedDatasetsConflict(error, what);
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
  );
}
