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
 * `btrfs subvolume list` prints one line per subvolume, and a name may contain a newline: a process in a
 * container can plant a name that reads as a second line naming any subvolume of the filesystem. So a
 * listing only proposes ids; each id is trusted only once the kernel's own back references
 * (`subvolid-resolve`) place it strictly inside the dataset, and deletion goes by id, re-checked right
 * before each delete, so neither planted names nor symlinks can point it elsewhere.
 */
export class NestedSubvolumes {
  constructor(private readonly btrfs: BtrfsCommands) {}

  /** Every subvolume below `root` (a subvolume root), parents before their children. */
  async list(root: string): Promise<NestedSubvolume[]> {
    // The common case, nothing nested, costs one command.
    let candidates = await this.btrfs.listSubvolumes(root, true);
    if (candidates.length === 0) return [];
    const { rootId, rootFsPath } = await this.rootOf(root);
    const found = new Map<number, NestedSubvolume>();
    const queue: string[] = [];
    for (let parent: string | undefined = ''; parent !== undefined; parent = queue.shift()) {
      if (parent !== '') candidates = await this.btrfs.listSubvolumes(join(root, parent), true);
      for (const { id } of candidates) {
        if (id === rootId || found.has(id)) continue;
        const relative = await this.relativeInside(id, root, rootFsPath);
        // A forged line names a subvolume elsewhere: not ours to capture or delete.
        if (relative === undefined) continue;
        found.set(id, { id, relative });
        queue.push(relative);
      }
    }
    return [...found.values()].sort((a, b) => depth(a.relative) - depth(b.relative) || a.relative.localeCompare(b.relative));
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

  private async rootOf(root: string): Promise<{ rootId: number; rootFsPath: string }> {
    const rootId = await this.btrfs.rootId(root);
    return { rootId, rootFsPath: await this.btrfs.subvolumePathById(rootId, root) };
  }

  /** The id's path relative to the root when the kernel places it strictly inside the root, else undefined. */
  private async relativeInside(id: number, root: string, rootFsPath: string): Promise<string | undefined> {
    const fsPath = await this.btrfs.subvolumePathById(id, root);
    const prefix = rootFsPath === '' ? '' : `${rootFsPath}/`;
    if (!fsPath.startsWith(prefix) || fsPath.length === prefix.length) return undefined;
    const relative = fsPath.slice(prefix.length);
    const unsafe = relative.split('/').some((c) => c === '' || c === '.' || c === '..');
    return unsafe ? undefined : relative;
  }
}

function depth(relative: string): number {
  return relative.split('/').length;
}
