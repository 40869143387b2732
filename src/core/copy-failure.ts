/**
 * A failed copy → what the caller is told. The reverter has run before this: when it undid everything,
 * a Docker refusal (409, 400), an unreachable Docker (503) or a storage limit keeps its own status, since
 * retrying or fixing the input is up to the caller. Only an unexpected failure, or a cleanup that failed
 * too (something is left behind), is a 500.
 */
import { StorageError } from '../../storage-drivers/common/errors.js';
import { AppError } from '../errors/app-error.js';
import { ConflictError } from '../errors/conflict-error.js';
import { InternalError } from '../errors/internal-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { withoutHostPaths } from './public-error.js';
import { mapStorageError, SEE_THE_LOG } from './storage-error-mapping.js';

export const CREATE_STEP = 'create the container';

export interface CopyFailureContext {
  readonly name: string;
  /** The step that failed, in words ("clone the pool mounts"). */
  readonly step: string;
  /** What the reverter could not undo (labels), empty when everything made was removed. */
  readonly leftBehind: readonly string[];
}

export function copyFailure(error: unknown, context: CopyFailureContext): Error {
  const { name, step, leftBehind } = context;
  const message = error instanceof Error ? error.message : String(error);
  if (leftBehind.length > 0) {
    // The step is the client's to know; the command, paths and stderr are the log's (via the cause).
    return new InternalError('copy_failed', `Copy to ${name} failed at step "${step}", and cleaning up also failed (${leftBehind.length} item(s) left; the server log lists them). ${SEE_THE_LOG}`, {
      cause: Object.assign(new Error(`copy to ${name} failed at ${step}: ${message}`, { cause: error }), { leftBehind }),
    });
  }
  // Docker's only reason to refuse a create with 409 is the name: taken after our check, by someone else.
  if (error instanceof AppError && error.statusCode === 409 && error.code === 'docker_conflict' && step === CREATE_STEP) {
    return new ConflictError('name_taken', `A container named "${name}" was created while this copy was being prepared; nothing was copied.`);
  }
  if (error instanceof StorageError && error.code === 'invalid_name') {
    return new ValidationError([{ path: '/body/name', message: `cannot name the copy's datasets: ${withoutHostPaths(message)}` }], 'invalid_copy_name');
  }
  const mapped = mapStorageError(error, `Copy to ${name} (${step})`);
  if (mapped !== error && mapped instanceof Error) return mapped;
  if (error instanceof AppError && (error.statusCode < 500 || error.statusCode === 503)) return error;
  return new InternalError('copy_failed', `Copy to ${name} failed at step "${step}". ${SEE_THE_LOG}`, {
    cause: Object.assign(new Error(`copy to ${name} failed at ${step}: ${message}`, { cause: error })),
  });
}
