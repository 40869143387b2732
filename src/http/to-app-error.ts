/**
 * Whatever a handler or middleware threw, as an AppError with a status and a stable code. Unknown errors
 * become a generic 500: their text may hold paths, commands or internals, so it goes to the log only.
 */
import { NestedDatasetsError, StorageError } from '../../storage-drivers/common/errors.js';
import { nestedDatasetsConflict } from '../core/storage-error-mapping.js';
import { AppError } from '../errors/app-error.js';
import { ConflictError } from '../errors/conflict-error.js';
import { InternalError } from '../errors/internal-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { PoolFullError } from '../errors/pool-full-error.js';
import { ServiceUnavailableError } from '../errors/service-unavailable-error.js';
import { HttpError } from './errors/http-error.js';

const GENERIC_MESSAGE = 'Internal error: the operation failed on the server. The server log has the details (search for the request id).';

/** http-errors style errors (raw-body, co-body, koa's ctx.throw) that are the client's fault. */
const CLIENT_ERROR_CODES: Record<number, [string, string]> = {
  400: ['bad_request', 'The request could not be read'],
  413: ['payload_too_large', 'The request body is too large'],
  415: ['unsupported_content_encoding', 'The request body uses an unsupported content encoding'],
};

function clientStatus(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true ? status : null;
}

/** Docker is the only socket cowsnap connects to, so a refused or missing socket means Docker is down. */
function isConnectFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { syscall, code } = error as { syscall?: unknown; code?: unknown };
  return syscall === 'connect' && (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES');
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof StorageError) {
    if (error.code === 'no_space') return new PoolFullError('The storage pool is full: free space or delete snapshots, then retry.', { cause: error });
    if (error.code === 'busy') return new ConflictError('storage_busy', 'The filesystem is busy; retry when the other operation has finished.');
    if (error instanceof NestedDatasetsError) return nestedDatasetsConflict(error, 'The operation');
    if (error.code === 'not_found') return new NotFoundError('storage_not_found', 'A filesystem the operation needs does not exist.');
    return new InternalError('storage_failed', GENERIC_MESSAGE, { cause: error });
  }
  if (isConnectFailure(error)) {
    // The runtime adapter should already say so; this is the net for a raw socket error from dockerode.
    return new ServiceUnavailableError('docker_unavailable', 'Docker cannot be reached; check that the Docker daemon is running.', { cause: error });
  }
  const status = clientStatus(error);
  if (status !== null) {
    const [code, message] = CLIENT_ERROR_CODES[status] ?? ['bad_request', 'The request could not be processed'];
    return new HttpError(status, code, `${message}: ${(error as Error).message}`);
  }
  return new InternalError('internal_error', GENERIC_MESSAGE, { cause: error });
}
