/**
 * What a client may see of any failure: an AppError whose message is a sentence about the operation and
 * whose code is stable. Unknown errors and storage/command failures carry host paths, argv and stderr in
 * their text; those go to the log only. Used for API replies and for what the database keeps for clients
 * to read later (snapshot `error`, schedule `last_error`, health).
 */
import { StorageError } from '../../storage-drivers/common/errors.js';
import { AppError } from '../errors/app-error.js';
import { InternalError } from '../errors/internal-error.js';
import { ServiceUnavailableError } from '../errors/service-unavailable-error.js';
import { SEE_THE_LOG, storageAppError } from './storage-error-mapping.js';

export const GENERIC_MESSAGE = `Internal error: the operation failed on the server. ${SEE_THE_LOG}`;

/** Docker is the only socket cowsnap connects to, so a refused or missing socket means Docker is down. */
function isConnectFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { syscall, code } = error as { syscall?: unknown; code?: unknown };
  return syscall === 'connect' && (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES');
}

/** The error as a client may see it, or null when it is none of the known kinds (the caller decides). */
export function knownPublicError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (error instanceof StorageError) return storageAppError(error);
  if (isConnectFailure(error)) {
    // The runtime adapter should already say so; this is the net for a raw socket error from dockerode.
    return new ServiceUnavailableError('docker_unavailable', 'Docker cannot be reached; check that the Docker daemon is running.', { cause: error });
  }
  return null;
}

export function toPublicError(error: unknown): AppError {
  return knownPublicError(error) ?? new InternalError('internal_error', GENERIC_MESSAGE, { cause: error });
}

/** The sentence to store where clients read it later: message and code, e.g. "... (storage_failed)". */
export function publicMessage(error: unknown): string {
  const app = toPublicError(error);
  return `${app.message} (${app.code})`;
}

/** Absolute paths in text from below (Docker's sentences, storage name checks) become "<host path>". */
export function withoutHostPaths(text: string): string {
  return text.replace(/(^|[\s"'(=:,])\/[^\s"'),]*/g, '$1<host path>');
}
