import { StorageError } from '../../storage-drivers/common/errors.js';
import { ConflictError } from '../errors/conflict-error.js';
import { PoolFullError } from '../errors/pool-full-error.js';

/** Storage errors that mean something to the caller become API errors; the rest stay as they are. */
export function mapStorageError(error: unknown, what: string): unknown {
  if (!(error instanceof StorageError)) return error;
  if (error.code === 'no_space') return new PoolFullError(`${what}: the storage pool is full (${error.message})`, { cause: error });
  if (error.code === 'busy') return new ConflictError('storage_busy', `${what}: the filesystem is busy (${error.message})`);
  return error;
}
