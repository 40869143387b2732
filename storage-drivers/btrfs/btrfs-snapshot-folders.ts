import { lstatSync, statSync, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isSubvolumeRoot } from './btrfs-subvolume-tree.js';

/** One entry of a dataset's snapshots folder (`.cowsnap/snapshots/<key>/<name>`, see btrfs-layout.ts). */
export interface SnapshotFolder {
  readonly name: string;
  readonly path: string;
  /** Its `snapshot` subvolume is there: the snapshot was completed (and not yet half destroyed). */
  readonly complete: boolean;
  /** The folder's birth time (the snapshot's createdAt); only when asked for, and undefined if it vanished. */
  readonly createdAt?: Date | undefined;
  /**
   * The folder's inode number, with createdAt: orders snapshots made within one tick of the kernel's coarse
   * clock (birth times advance in ~4 ms steps), because btrfs numbers each new inode of a subvolume above all before it.
   */
  readonly inode?: number | undefined;
}

/** Stats between two yields to the event loop: a few milliseconds of blocking at most. */
const BATCH = 256;

/**
 * Every entry of a snapshots folder, each checked for its snapshot subvolume: what listSnapshots() and start-up's
 * leftover cleaning read for every snapshot kept, so what start-up costs per snapshot. An empty list when the
 * folder does not exist (or cannot be read).
 *
 * The stats are synchronous, in batches with a turn of the event loop between: a promise-based stat is a round
 * trip through libuv's thread pool, ~50 µs on the 2-core VM against ~15 µs for the synchronous call under the
 * same load, and start-up made three of them per snapshot (2.6–5 s at 10,000; bench/README.md, Session 8).
 * A stat that fails reads as "not there", as before: an entry without its subvolume is incomplete.
 */
export async function readSnapshotFolders(dir: string, options: { createdAt: boolean }): Promise<SnapshotFolder[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const base = resolve(dir);
  const folders: SnapshotFolder[] = [];
  for (let start = 0; start < names.length; start += BATCH) {
    if (start > 0) await nextTurn();
    for (const name of names.slice(start, start + BATCH)) {
      // Concatenated, not path.join: a name from readdir is one component, and join's normalising cost
      // ~30 ms per 10,000 paths.
      const path = `${base}/${name}`;
      const complete = isSubvolumeRoot(quietly(() => lstatSync(`${path}/snapshot`, { throwIfNoEntry: false })));
      if (!options.createdAt) {
        folders.push({ name, path, complete });
        continue;
      }
      const stats = quietly(() => statSync(path, { throwIfNoEntry: false }));
      folders.push({ name, path, complete, createdAt: stats?.birthtime, inode: stats?.ino });
    }
  }
  return folders;
}

function quietly(read: () => Stats | undefined): Stats | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
