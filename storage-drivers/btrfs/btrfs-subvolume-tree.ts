import { lstatSync, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UnsupportedError } from '../common/errors.js';

const SUBVOLUME_ROOT_INODE = 256;

/** True when `path` is the root directory of a btrfs subvolume (inode 256). */
export async function isSubvolume(path: string): Promise<boolean> {
  try {
    return isSubvolumeRoot(await lstat(path));
  } catch {
    return false;
  }
}

/** True when these `lstat` results are those of a btrfs subvolume's root directory. */
export function isSubvolumeRoot(stats: Stats | undefined): boolean {
  return stats?.isDirectory() === true && stats.ino === SUBVOLUME_ROOT_INODE;
}

/**
 * isSubvolume without the thread-pool round trip, for a create's path: an lstat never waits on a btrfs
 * transaction, and the async call's hop cost a create ~1 ms (several on a loaded machine).
 */
export function isSubvolumeSync(path: string): boolean {
  try {
    return isSubvolumeRoot(lstatSync(path));
  } catch {
    return false;
  }
}

/**
 * Datasets inside datasets: cowsnap never creates one inside another (subvolumes that others create in
 * a dataset are captured with it, see btrfs-nested.ts).
 */
export class SubvolumeTree {
  constructor(private readonly pool: string) {}

  async refuseInsideDataset(path: string): Promise<void> {
    for (let dir = dirname(path); dir.length > this.pool.length; dir = dirname(dir)) {
      if (await isSubvolume(dir)) {
        throw new UnsupportedError(`cannot create ${path} inside the dataset ${dir}: datasets cannot be nested`);
      }
    }
  }
}
