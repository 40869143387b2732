import { constants } from 'node:os';
import {
  BTRFS_UTIL_ERROR_STOP_ITERATION,
  BTRFS_UTIL_OK,
  CREATE_SNAPSHOT_READ_ONLY,
  loadBtrfsUtilLibrary,
  type BtrfsUtilLibrary,
  type CPointer,
} from './btrfs-util-library.js';
import { readQgroup, type QgroupNumbers } from './btrfs-qgroup-search.js';

/**
 * A failed libbtrfsutil call. `code` is the errno name the failing syscall left (ENOENT, ENOSPC, EEXIST...),
 * so toStorageError (error-mapping.ts) turns it into the same typed storage error as a failed command.
 */
export class BtrfsUtilError extends Error {
  readonly code: string | undefined;
  constructor(
    what: string,
    readonly utilError: number,
    readonly errno: number,
    reason: string,
  ) {
    const code = errnoName(errno);
    super(`${what}: ${reason}${code === undefined ? '' : ` (${code})`}`);
    this.name = 'BtrfsUtilError';
    this.code = code;
  }
}

/** A subvolume below another one, as the kernel's root references give it. */
export interface SubvolumeBelow {
  readonly id: number;
  /** Relative to the subvolume the listing started from, `/`-separated. */
  readonly path: string;
}

/**
 * The btrfs operations on the create path, as direct ioctls through libbtrfsutil (no subprocess).
 * A snapshot waits for a transaction commit, so it runs on a worker thread (koffi's async form) and the event
 * loop keeps serving requests; the id lookup and the subvolume iterator are tree searches that never wait on
 * a commit (microseconds), so they run inline.
 */
export class BtrfsUtil {
  private constructor(private readonly lib: BtrfsUtilLibrary) {}

  /** Throws a MissingSoftwareError naming the Debian package when libbtrfsutil is not installed. */
  static load(): BtrfsUtil {
    return new BtrfsUtil(loadBtrfsUtilLibrary());
  }

  /** `readOnly`: a snapshot that can never change; otherwise a writable copy-on-write copy. */
  snapshot(source: string, target: string, readOnly: boolean): Promise<void> {
    const flags = readOnly ? CREATE_SNAPSHOT_READ_ONLY : 0;
    return new Promise((resolve, reject) => {
      this.lib.createSnapshot.async(source, target, flags, null, null, (error: unknown, result: number) => {
        // koffi restores the worker thread's errno for the duration of this callback.
        if (error !== null && error !== undefined) reject(error instanceof Error ? error : new Error('koffi call failed', { cause: error }));
        else if (result !== BTRFS_UTIL_OK) reject(this.failure('create snapshot', result));
        else resolve();
      });
    });
  }

  /** The id of the subvolume `path` belongs to (its root's id for a subvolume root). */
  subvolumeId(path: string): number {
    const id: [number] = [0];
    const result = this.lib.subvolumeId(path, id);
    if (result !== BTRFS_UTIL_OK) throw this.failure('subvolume id', result);
    return id[0];
  }

  /**
   * Every subvolume below the subvolume rooted at `path`, at any depth, parents before children. The kernel
   * searches the root references of this subvolume and its children only (not every subvolume of the
   * filesystem), and the names come as bytes, not lines: a name may hold a newline.
   */
  subvolumesBelow(path: string): SubvolumeBelow[] {
    const iterator: [CPointer | null] = [null];
    const created = this.lib.createSubvolumeIterator(path, 0, 0, iterator);
    if (created !== BTRFS_UTIL_OK || iterator[0] === null) throw this.failure('list subvolumes', created);
    const handle = iterator[0];
    const found: SubvolumeBelow[] = [];
    try {
      for (;;) {
        const name: [CPointer | null] = [null];
        const id: [number] = [0];
        const result = this.lib.subvolumeIteratorNext(handle, name, id);
        if (result === BTRFS_UTIL_ERROR_STOP_ITERATION) break;
        if (result !== BTRFS_UTIL_OK || name[0] === null) throw this.failure('list subvolumes', result);
        try {
          found.push({ id: id[0], path: this.lib.decodeString(name[0]) });
        } finally {
          this.lib.free(name[0]);
        }
      }
    } finally {
      this.lib.destroySubvolumeIterator(handle);
    }
    return found;
  }

  /** Commits the filesystem's transaction (qgroup numbers are exact only after one): on a worker thread. */
  sync(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.lib.sync.async(path, (error: unknown, result: number) => {
        if (error !== null && error !== undefined) reject(error instanceof Error ? error : new Error('koffi call failed', { cause: error }));
        else if (result !== BTRFS_UTIL_OK) reject(this.failure('sync', result));
        else resolve();
      });
    });
  }

  /** The subvolume's level-0 qgroup numbers from the quota tree (see btrfs-qgroup-search.ts). */
  qgroup(path: string, subvolumeId: number): Promise<{ inconsistent: boolean; numbers: QgroupNumbers | undefined }> {
    return readQgroup(this.lib, path, subvolumeId, errnoName);
  }

  private failure(what: string, result: number): BtrfsUtilError {
    return new BtrfsUtilError(what, result, this.lib.errno(), this.lib.strerror(result));
  }
}

function errnoName(errno: number): string | undefined {
  if (errno === 0) return undefined;
  return Object.entries(constants.errno).find(([, value]) => value === errno)?.[0];
}
