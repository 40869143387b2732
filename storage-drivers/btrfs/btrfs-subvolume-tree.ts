import { lstat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UnsupportedError } from '../common/errors.js';
import type { BtrfsCommands } from './btrfs-commands.js';

const SUBVOLUME_ROOT_INODE = 256;

/** True when `path` is the root directory of a btrfs subvolume (inode 256). */
export async function isSubvolume(path: string): Promise<boolean> {
  try {
    const stats = await lstat(path);
    return stats.isDirectory() && stats.ino === SUBVOLUME_ROOT_INODE;
  } catch {
    return false;
  }
}

/**
 * Subvolumes inside subvolumes. A btrfs snapshot does not descend into them (they come back as empty
 * folders), so cowsnap refuses to snapshot or restore a dataset holding one rather than silently lose its
 * content, refuses to create a dataset inside another, and deletes nested ones deepest first.
 */
export class SubvolumeTree {
  constructor(
    private readonly btrfs: BtrfsCommands,
    private readonly pool: string,
  ) {}

  /** Subvolumes nested directly in `path`, as host paths. */
  async nested(path: string): Promise<string[]> {
    const children = await this.btrfs.listSubvolumes(path, true);
    if (children.length === 0) return [];
    const own = await this.btrfs.subvolumeFsPath(path);
    return children.map((c) => join(path, own === '' ? c.path : c.path.slice(own.length + 1)));
  }

  async refuseNested(path: string, operation: string): Promise<void> {
    const nested = await this.nested(path);
    if (nested.length > 0) {
      throw new UnsupportedError(
        `cannot ${operation} ${path}: it contains nested subvolumes (${nested.join(', ')}), which a btrfs ` +
          'snapshot would leave empty; move them out of the dataset or capture them as datasets of their own',
      );
    }
  }

  async refuseInsideDataset(path: string): Promise<void> {
    for (let dir = dirname(path); dir.length > this.pool.length; dir = dirname(dir)) {
      if (await isSubvolume(dir)) {
        throw new UnsupportedError(`cannot create ${path} inside the dataset ${dir}: datasets cannot be nested`);
      }
    }
  }

  /** Deletes a subvolume and every subvolume nested in it, deepest first. */
  async deleteTree(path: string): Promise<void> {
    for (const child of await this.nested(path)) await this.deleteTree(child);
    await this.btrfs.deleteSubvolume(path);
  }
}
