import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InvalidNameError } from '../common/errors.js';
import { assertNoProblems, relativeDatasetProblems } from '../common/names.js';

/**
 * Where cowsnap keeps its own things inside a btrfs pool. Everything lives under one hidden folder so
 * listDatasets() can skip it and nothing collides with the user's or Docker's subvolumes:
 *
 *   <pool>/.cowsnap/snapshots/<key>/<name>/snapshot   read-only snapshot; the folder's birth time is createdAt
 *   <pool>/.cowsnap/restore/<key>/{new,old}           the two sides of a restore swap in progress
 *   <pool>/.cowsnap/tmp/<unique>/snapshot             short-lived read-only snapshots (diff against live)
 *   <pool>/.cowsnap/receive/<key>.<unique>/<sent>     a receive in progress; renamed to the snapshot folder
 *
 * `<key>` is the dataset's path relative to the pool, percent-encoded so it is one path component and
 * decodes back to the dataset (needed by recover(), which starts from the leftovers alone).
 */
export const INTERNAL_DIR = '.cowsnap';
const MAX_COMPONENT_BYTES = 255;

export class BtrfsLayout {
  readonly internal: string;

  constructor(readonly pool: string) {
    this.internal = join(pool, INTERNAL_DIR);
  }

  /** Validates a dataset path and returns it normalised; throws InvalidNameError listing every problem. */
  dataset(dataset: string): string {
    if (!isAbsolute(dataset)) {
      throw new InvalidNameError(`dataset ${JSON.stringify(dataset)} must be an absolute path`, ['dataset must be an absolute path']);
    }
    const absolute = resolve(dataset);
    const rel = relative(this.pool, absolute);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      const problem = `dataset ${JSON.stringify(dataset)} is outside the pool ${this.pool}`;
      throw new InvalidNameError(problem, [problem]);
    }
    if (rel === INTERNAL_DIR || rel.startsWith(`${INTERNAL_DIR}${sep}`)) {
      const problem = `dataset ${JSON.stringify(dataset)} is inside cowsnap's own storage (${this.internal})`;
      throw new InvalidNameError(problem, [problem]);
    }
    assertNoProblems(relativeDatasetProblems(rel, sep));
    if (Buffer.byteLength(this.key(absolute)) > MAX_COMPONENT_BYTES) {
      const problem = `dataset ${JSON.stringify(dataset)} is too deep or too long to be snapshotted`;
      throw new InvalidNameError(problem, [problem]);
    }
    return absolute;
  }

  key(dataset: string): string {
    return encodeURIComponent(relative(this.pool, dataset));
  }

  /** The dataset a restore-area key names; throws InvalidNameError for a key no restore could have made. */
  datasetFromKey(key: string): string {
    let relativePath: string;
    try {
      relativePath = decodeURIComponent(key);
    } catch {
      throw new InvalidNameError(`restore area ${JSON.stringify(key)} is not a percent-encoded dataset path`, ['malformed percent-encoding']);
    }
    // Validated like any dataset: a key decoding to "../x" or into .cowsnap must never be renamed into place.
    return this.dataset(join(this.pool, relativePath));
  }

  snapshotsRoot(): string {
    return join(this.internal, 'snapshots');
  }

  snapshotsDir(dataset: string): string {
    return join(this.snapshotsRoot(), this.key(dataset));
  }

  /** The folder that holds one snapshot; its birth time is the snapshot's creation time. */
  snapshotFolder(dataset: string, name: string): string {
    return join(this.snapshotsDir(dataset), name);
  }

  snapshotPath(dataset: string, name: string): string {
    return join(this.snapshotFolder(dataset, name), 'snapshot');
  }

  /**
   * rename(2) cannot cross mount points, even two mounts of the same filesystem, and Docker bind-mounts
   * `<data-root>/btrfs` onto itself. So the restore area sits at the root of the mount that holds the
   * dataset: `<mount>/.cowsnap/restore`, which is `<pool>/.cowsnap/restore` for the pool's own mount.
   */
  restoreRoot(mountBase: string = this.pool): string {
    return join(mountBase, INTERNAL_DIR, 'restore');
  }

  restoreDir(dataset: string, mountBase: string = this.pool): string {
    return join(this.restoreRoot(mountBase), this.key(dataset));
  }

  /** Receives land here first; the whole folder is then renamed to snapshotFolder() (a read-only subvolume cannot be moved). */
  receiveRoot(): string {
    return join(this.internal, 'receive');
  }

  tmpRoot(): string {
    return join(this.internal, 'tmp');
  }
}
