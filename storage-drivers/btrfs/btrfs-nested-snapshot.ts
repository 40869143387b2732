import { lstat, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir } from '../common/ensure-dir.js';
import { mapErrors } from '../common/error-mapping.js';
import { UnsupportedError } from '../common/errors.js';
import type { BtrfsCommands } from './btrfs-commands.js';
import type { NestedSubvolume, NestedSubvolumes } from './btrfs-nested.js';
import { isSubvolume } from './btrfs-subvolume-tree.js';

/**
 * Snapshots of datasets that hold nested subvolumes. A btrfs snapshot stops at a nested subvolume (it
 * shows as an empty folder), so each nested subvolume gets a read-only snapshot of its own, a "part",
 * next to the dataset's snapshot:
 *
 *   <snapshot folder>/snapshot        the dataset's read-only snapshot: its presence marks the snapshot complete
 *   <snapshot folder>/snapshot.taking the same while the parts are taken (renamed to `snapshot` last)
 *   <snapshot folder>/nested/<i>      read-only snapshot of nested subvolume i
 *   <snapshot folder>/nested.json     ["relative/path/of/0", ...], parents before children
 *
 * Finding nested subvolumes is one in-process search of the dataset's root references (btrfs-util.ts,
 * microseconds). The dataset's snapshot is taken under the staging name, the parts (if any) after it, and the
 * rename to `snapshot` comes last, so a crash never leaves a listed snapshot without its parts. Each part is
 * atomic on its own; together they are taken one after another, not at one instant.
 * Putting back (restore, copy) makes each part a writable subvolume again at its place: the nested
 * subvolumes come back as subvolumes, byte for byte (read-only flags are not kept: they come back writable).
 */
const MANIFEST = 'nested.json';
const PARTS = 'nested';
/** A read-only subvolume can be renamed inside its folder (not moved out of it): EROFS is for a new parent. */
const STAGING = 'snapshot.taking';

export class NestedSnapshots {
  constructor(
    private readonly btrfs: BtrfsCommands,
    private readonly nested: NestedSubvolumes,
  ) {}

  /**
   * Takes the snapshot of `dataset` into `folder`, complete once `complete` (`<folder>/snapshot`) exists.
   * On failure the caller removes what was made (removeIncomplete).
   */
  async take(dataset: string, folder: string, complete: string): Promise<void> {
    const staging = join(folder, STAGING);
    const nested = await this.nested.list(dataset);
    await this.btrfs.snapshot(dataset, staging, true);
    if (nested.length > 0) await this.captureParts(dataset, folder, nested);
    await mapErrors(`snapshot ${dataset}`, () => rename(staging, complete));
  }

  private async captureParts(dataset: string, folder: string, subvolumes: readonly NestedSubvolume[]): Promise<void> {
    await mapErrors(`snapshot nested subvolumes of ${dataset}`, () => ensureDir(join(folder, PARTS)));
    for (const [index, subvolume] of subvolumes.entries()) {
      const source = await this.nested.verifiedPath(dataset, subvolume);
      await this.btrfs.snapshot(source, join(folder, PARTS, String(index)), true);
    }
    const manifest = JSON.stringify(subvolumes.map((s) => s.relative));
    await mapErrors(`snapshot nested subvolumes of ${dataset}`, () => writeFile(join(folder, MANIFEST), manifest));
  }

  /**
   * A writable copy of the snapshot at `snapshotPath` at `target`, nested parts put back in place.
   * Leaves nothing behind on failure.
   */
  async materialize(snapshotPath: string, target: string, folder: string): Promise<void> {
    await this.btrfs.snapshot(snapshotPath, target, false);
    try {
      for (const [index, relative] of (await this.manifest(folder)).entries()) {
        const place = await placeInside(target, relative);
        // The dataset's snapshot holds an empty folder where the nested subvolume was.
        await mapErrors(`put back nested subvolume ${relative}`, () => rmdir(place));
        await this.btrfs.snapshot(join(folder, PARTS, String(index)), place, false);
      }
    } catch (error) {
      await this.nested.deleteTree(target).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Deletes what an unfinished take() left in a snapshot folder (the staging snapshot, the parts, the
   * manifest, the parts folder: whatever of them exists), so the folder can be removed.
   */
  async removeIncomplete(folder: string): Promise<void> {
    if (await isSubvolume(join(folder, STAGING))) await this.btrfs.deleteSubvolume(join(folder, STAGING));
    await this.removeParts(folder);
  }

  /** Deletes the parts, the manifest and the parts folder of a snapshot folder (whatever of them exists). */
  async removeParts(folder: string): Promise<void> {
    const dir = join(folder, PARTS);
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const entry of entries) {
      if (await isSubvolume(join(dir, entry))) await this.btrfs.deleteSubvolume(join(dir, entry));
    }
    await rm(join(folder, MANIFEST), { force: true });
    await rmdir(dir).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    });
  }

  private async manifest(folder: string): Promise<string[]> {
    const text = await readFile(join(folder, MANIFEST), 'utf8').catch(() => undefined);
    if (text === undefined) return [];
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || !parsed.every((p): p is string => typeof p === 'string' && safeRelative(p))) {
      throw new Error(`nested-subvolume manifest ${join(folder, MANIFEST)} is damaged`);
    }
    return parsed;
  }
}

/**
 * `target/relative`, reached through real folders only: the dataset's snapshot is taken after its parts,
 * and a process in the container may have put a symlink on the way meanwhile. Never follow it out.
 */
async function placeInside(target: string, relative: string): Promise<string> {
  let path = target;
  for (const component of relative.split('/')) {
    path = join(path, component);
    const stats = await lstat(path).catch(() => undefined);
    if (stats?.isDirectory() !== true) {
      throw new UnsupportedError(`cannot put back nested subvolume ${JSON.stringify(relative)}: its place is no longer a folder`);
    }
  }
  return path;
}

function safeRelative(path: string): boolean {
  return path.split('/').every((c) => c !== '' && c !== '.' && c !== '..');
}
