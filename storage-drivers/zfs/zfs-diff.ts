import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiffEntry, DiffOptions } from '../driver.js';
import { withStats } from '../common/diff-stats.js';
import { TooManyChangesError } from '../common/errors.js';
import type { PhysicalSnapshot } from './zfs-catalog.js';
import type { ZfsCommands } from './zfs-commands.js';
import { isNotFound } from './zfs-errors.js';
import { parseZfsDiffLine, sortByPath } from './zfs-native-diff.js';
import type { ZfsNames } from './zfs-names.js';
import { compareTrees } from './zfs-tree-diff.js';

export interface DiffContext {
  readonly zfs: ZfsCommands;
  readonly names: ZfsNames;
  /** `zfs diff` exists here (OpenZFS); zfs-fuse has none. */
  readonly nativeDiff: boolean;
}

/**
 * Changes from `older` to `newer`, or to the live dataset mounted at `live`. `zfs diff` compares within
 * one dataset only, so it is used when both ends are in the dataset itself; snapshots spread over restore
 * lineages, and every diff on zfs-fuse, compare mounted trees instead.
 */
export async function diffSnapshots(
  ctx: DiffContext,
  dataset: string,
  older: PhysicalSnapshot,
  newer: PhysicalSnapshot | { readonly live: string },
  { maxEntries = Infinity }: DiffOptions = {},
): Promise<DiffEntry[]> {
  const newerSnapshot = 'full' in newer ? newer : undefined;
  if (ctx.nativeDiff && older.physical === dataset && (newerSnapshot === undefined || newerSnapshot.physical === dataset)) {
    const mountpoint = await ctx.zfs.getProperty(dataset, 'mountpoint');
    const entries: DiffEntry[] = [];
    await ctx.zfs.diffLines(older.full, newerSnapshot?.full ?? dataset, (line) => {
      const entry = parseZfsDiffLine(line, mountpoint);
      if (entry === undefined) return;
      entries.push(entry);
      if (entries.length > maxEntries) throw new TooManyChangesError(maxEntries);
    });
    return sortByPath(entries);
  }
  const compare = async (fromRoot: string, toRoot: string): Promise<DiffEntry[]> => withStats(await compareTrees(fromRoot, toRoot, maxEntries), fromRoot, toRoot);
  return withMountedClone(ctx, older, (fromRoot) =>
    'live' in newer ? compare(fromRoot, newer.live) : withMountedClone(ctx, newer, (toRoot) => compare(fromRoot, toRoot)),
  );
}

/** Mounts a temporary read-only clone of the snapshot (zfs-fuse has no .zfs/snapshot), runs `body`, removes it. */
async function withMountedClone<T>(ctx: DiffContext, snapshot: PhysicalSnapshot, body: (root: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cowsnap-diff-'));
  const clone = ctx.names.fresh('diff');
  try {
    await ctx.zfs.clone(snapshot.full, clone, { mountpoint: dir, readonly: 'on' });
    await ctx.zfs.ensureMounted(clone);
    return await body(dir);
  } finally {
    await removeTemporary(ctx.zfs, clone);
    await rm(dir, { recursive: true, force: true });
  }
}

async function removeTemporary(zfs: ZfsCommands, name: string): Promise<void> {
  try {
    await zfs.ensureUnmounted(name);
    await zfs.destroy(name, { recursive: true });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
