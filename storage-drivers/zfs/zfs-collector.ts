import { CommandFailedError } from '../common/errors.js';
import { groupRows, type ZfsCommands } from './zfs-commands.js';
import { PROP } from './zfs-catalog.js';
import { isNotFound } from './zfs-errors.js';
import { dependentsOf, heldElsewhere } from './zfs-holders.js';
import type { ZfsNames } from './zfs-names.js';

interface SnapshotState {
  readonly full: string;
  readonly dead: boolean;
  readonly createdMs: number;
}

interface DatasetState {
  readonly name: string;
  readonly tag: string | undefined;
  /** A restore is moving this dataset right now (or crashed doing so): recover() settles it, not us. */
  readonly restoring: boolean;
  readonly usedByDataset: number;
  readonly snapshots: SnapshotState[];
}

const MAX_PASSES = 10;

/**
 * Frees what nobody can reach any more: deleted snapshots whose last clone is gone, lineage datasets
 * whose snapshots are all deleted. A lineage whose remaining snapshots
 * are all deleted but still hold up a clone of the same logical dataset is handed to that clone with
 * `zfs promote`, after which the lineage itself can go. Each pass may free something that unblocks
 * the next; it stops when a pass changes nothing. Returns what it freed.
 */
export async function collectGarbage(zfs: ZfsCommands, names: ZfsNames): Promise<string[]> {
  if (!(await zfs.datasetExists(names.internal))) return [];
  const pool = names.root.split('/')[0] ?? names.root;
  const freed: string[] = [];
  // Lineages that lost a snapshot: their head may now hold that snapshot's blocks.
  const touched = new Set<string>();
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    const clones = await zfs.getClones(pool);
    const datasets = await readState(zfs, names);
    const hasClones = (snapshot: string): boolean => (clones.get(snapshot)?.length ?? 0) > 0;
    let progress = false;

    for (const dataset of datasets.values()) {
      for (const snapshot of dataset.snapshots) {
        if (!snapshot.dead || hasClones(snapshot.full)) continue;
        if (await destroyIfThere(zfs, snapshot.full)) freed.push(snapshot.full);
        touched.add(dataset.name);
        progress = true;
      }
    }
    if (progress) continue;

    for (const dataset of datasets.values()) {
      const kind = names.parseInternal(dataset.name)?.kind;
      if (kind !== 'lineage' || dataset.restoring) continue;
      if (dataset.snapshots.length === 0) {
        if (await destroyIfThere(zfs, dataset.name, true)) freed.push(dataset.name);
        progress = true;
        continue;
      }
      if (dataset.snapshots.every((snapshot) => snapshot.dead)) {
        if (await promoteHeir(zfs, names, dataset, datasets, clones)) progress = true;
        continue;
      }
      // A lineage's head is unreachable (restore rolled it back to its newest snapshot); once that
      // snapshot is gone the head holds its blocks, so roll back to the next newest.
      const newest = [...dataset.snapshots].sort((a, b) => a.createdMs - b.createdMs).at(-1);
      if (touched.has(dataset.name) && dataset.usedByDataset > 0 && newest !== undefined) {
        await rollbackIfNewest(zfs, newest.full);
        touched.delete(dataset.name);
      }
    }
    if (!progress) break;
  }
  return freed;
}

/** Hands the lineage's dead snapshots to a dataset of the same logical dataset that was cloned from them. */
async function promoteHeir(
  zfs: ZfsCommands,
  names: ZfsNames,
  lineage: DatasetState,
  datasets: ReadonlyMap<string, DatasetState>,
  clones: ReadonlyMap<string, string[]>,
): Promise<boolean> {
  // A promote moves the lineage's snapshots, and zfs-fuse remounts every clone of them (to any depth), not only the heir
  // (zfs-holders.ts): while a container holds any of them, the lineage waits for a later collection.
  const dependents = dependentsOf(lineage.name, clones);
  if ((await heldElsewhere(dependents)).length > 0) return false;
  for (const snapshot of [...lineage.snapshots].reverse()) {
    for (const clone of clones.get(snapshot.full) ?? []) {
      const state = datasets.get(clone);
      const sameLogical = state?.tag !== undefined && state.tag === lineage.tag;
      const kind = names.parseInternal(clone)?.kind;
      if (!sameLogical || (kind !== undefined && kind !== 'lineage')) continue;
      await zfs.promote(clone);
      return true;
    }
  }
  return false;
}

/**
 * Rolling a lineage back only saves space, so a refusal (a newer snapshot made within the same
 * millisecond, which ZFS orders and we cannot see) is no error: the space waits for the next pass.
 */
export async function rollbackIfNewest(zfs: ZfsCommands, snapshot: string): Promise<void> {
  try {
    await zfs.rollback(snapshot);
  } catch (error) {
    if (error instanceof CommandFailedError && /more recent snapshots/i.test(error.stderr)) return;
    throw error;
  }
}

async function destroyIfThere(zfs: ZfsCommands, name: string, recursive = false): Promise<boolean> {
  try {
    await zfs.destroy(name, { recursive });
    return true;
  } catch (error) {
    // A deferred destroy may have removed it between our look and our call.
    if (isNotFound(error)) return false;
    throw error;
  }
}

async function readState(zfs: ZfsCommands, names: ZfsNames): Promise<Map<string, DatasetState>> {
  const rows = await zfs.getProperties([names.root], ['creation', 'defer_destroy', 'usedbydataset', PROP.created, PROP.deleted, PROP.dataset, PROP.restoreOld], 'all');
  const datasets = new Map<string, DatasetState>();
  const grouped = groupRows(rows);
  for (const [name, props] of grouped) {
    if (name.includes('@')) continue;
    const tag = props.get(PROP.dataset);
    const restoreOld = props.get(PROP.restoreOld);
    datasets.set(name, {
      name,
      tag: tag?.source === 'local' ? tag.value : undefined,
      restoring: restoreOld?.source === 'local' && restoreOld.value !== '-',
      usedByDataset: Number(props.get('usedbydataset')?.value ?? 0),
      snapshots: [],
    });
  }
  for (const [full, props] of grouped) {
    const at = full.indexOf('@');
    if (at < 0) continue;
    const owner = datasets.get(full.slice(0, at));
    if (owner === undefined) continue;
    const dead = props.get('defer_destroy')?.value === 'on' || (props.get(PROP.deleted)?.value ?? '-') !== '-';
    const created = Number(props.get(PROP.created)?.value);
    const createdMs = Number.isFinite(created) ? created : Number(props.get('creation')?.value) * 1000;
    owner.snapshots.push({ full, dead, createdMs });
  }
  return datasets;
}
