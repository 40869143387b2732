import { toStorageError } from '../common/error-mapping.js';
import { BusyError, CommandFailedError, NoSpaceError } from '../common/errors.js';

/**
 * ZFS words errno differently from the kernel: ENOSPC is "out of space" in libzfs, and zfs-fuse's
 * unmount says "target is busy". Those are matched here; the shared mapping knows the rest ("does not exist", "already exists", "dataset is busy").
 */
export function toZfsError(error: unknown, what: string): unknown {
  if (error instanceof CommandFailedError && /out of space/i.test(error.stderr)) {
    return new NoSpaceError(`${what}: the pool is full (${error.stderr.trim().split('\n')[0] ?? ''})`, { cause: error });
  }
  // zfs-fuse unmounts through umount(8), whose EBUSY reads "target is busy".
  if (error instanceof CommandFailedError && /target is busy/i.test(error.stderr)) {
    return new BusyError(`${what}: busy, something has files open in it (${error.stderr.trim().split('\n')[0] ?? ''})`, { cause: error });
  }
  return toStorageError(error, what);
}

export function isBusy(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'busy';
}

export function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'not_found';
}
