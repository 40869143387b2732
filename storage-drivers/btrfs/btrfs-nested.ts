import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { BusyError, UnsupportedError } from '../common/errors.js';
import type { BtrfsCommands } from './btrfs-commands.js';

/** A subvolume somewhere below a dataset's root. */
export interface NestedSubvolume {
  readonly id: number;
  /** Relative to the dataset's root, `/`-separated, never `..`: safe to show to clients. */
  readonly relative: string;
}

/**
 * Subvolumes nested in a dataset (Docker-in-Docker, systemd-nspawn and build tools create them inside a
 * container), found and deleted by subvolume id.
 *
 * The listing comes from the kernel's root references (libbtrfsutil's subvolume iterator, see btrfs-util.ts):
 * ids and paths as bytes, not parsed lines, so a name a process in a container plants (one holding a newline
 * that reads as another subvolume's line in `btrfs subvolume list`) names only itself, and the cost is the
 * dataset's own children, not every subvolume of the filesystem. A process in the container can still move
 * things between listing and use: deletion goes by id, re-checked right before each delete against the
 * kernel's back references (`subvolid-resolve`), and capture re-checks the path (verifiedPath), so neither
 * renames nor symlinks can point them elsewhere.
 */
export class NestedSubvolumes {
  constructor(private readonly btrfs: BtrfsCommands) {}

  /** Every subvolume below `root` (a subvolume root), parents before their children. */
  async list(root: string): Promise<NestedSubvolume[]> {
    const below = await this.btrfs.subvolumesBelow(root);
    return below
      // The kernel never gives such a path; a relative path that could climb out is refused all the same.
      .filter((s) => safeRelative(s.path))
      .map((s) => ({ id: s.id, relative: s.path }))
      .sort((a, b) => depth(a.relative) - depth(b.relative) || a.relative.localeCompare(b.relative));
  }

  /**
   * The host path of a nested subvolume, checked to be that subvolume and reached without symlinks, for
   * the commands that take a path (snapshot). Throws when something was swapped in meanwhile.
   */
  async verifiedPath(root: string, nested: NestedSubvolume): Promise<string> {
    // Busy, not a failure: a process in the container moved things meanwhile; a retry sees the new state.
    const moved = new BusyError(`nested subvolume ${JSON.stringify(nested.relative)} of ${root} moved while being captured`);
    let path = root;
    for (const component of nested.relative.split('/')) {
      path = join(path, component);
      const stats = await lstat(path).catch(() => undefined);
      if (stats?.isDirectory() !== true) throw moved;
    }
    if ((await this.btrfs.rootId(path).catch(() => undefined)) !== nested.id) throw moved;
    return path;
  }

  /** Deletes `root` and every subvolume below it, deepest first, each by id after checking containment. */
  async deleteTree(root: string): Promise<void> {
    const nested = await this.list(root);
    const { rootFsPath } = nested.length > 0 ? await this.rootOf(root) : { rootFsPath: '' };
    for (const subvolume of nested.reverse()) {
      if ((await this.relativeInside(subvolume.id, root, rootFsPath)) === undefined) {
        throw new UnsupportedError(`refusing to delete subvolume ${String(subvolume.id)}: it is no longer inside ${root}`);
      }
      await this.btrfs.deleteSubvolumeById(subvolume.id, root);
    }
    await this.btrfs.deleteSubvolume(root);
  }

  private async rootOf(root: string): Promise<{ rootFsPath: string }> {
    const rootId = await this.btrfs.rootId(root);
    return { rootFsPath: await this.btrfs.subvolumePathById(rootId, root) };
  }

  /** The id's path relative to the root when the kernel places it strictly inside the root, else undefined. */
  private async relativeInside(id: number, root: string, rootFsPath: string): Promise<string | undefined> {
    const fsPath = await this.btrfs.subvolumePathById(id, root);
    const prefix = rootFsPath === '' ? '' : `${rootFsPath}/`;
    if (!fsPath.startsWith(prefix) || fsPath.length === prefix.length) return undefined;
    const relative = fsPath.slice(prefix.length);
    return safeRelative(relative) ? relative : undefined;
  }
}

function safeRelative(relative: string): boolean {
  return relative.split('/').every((c) => c !== '' && c !== '.' && c !== '..');
}

function depth(relative: string): number {
  return relative.split('/').length;
}
