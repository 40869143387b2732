import { SimulatedCrash } from '../common/crash-checkpoint.js';
import { BusyError } from '../common/errors.js';
import { nestedDatasetsError } from './zfs-children.js';
import { heldElsewhere, refuseWithHeldClones } from './zfs-holders.js';
import type { RecoveryAction, RestoreOptions } from '../driver.js';
import { PROP, type PhysicalSnapshot } from './zfs-catalog.js';
import { rollbackIfNewest } from './zfs-collector.js';
import { groupRows, type ZfsCommands } from './zfs-commands.js';
import { newId, type ZfsNames } from './zfs-names.js';

export interface RestoreContext {
  readonly zfs: ZfsCommands;
  readonly names: ZfsNames;
  ensureInternal(): Promise<void>;
}

/**
 * Restores `dataset` to any of its snapshots and keeps every snapshot, newer ones included. `zfs rollback`
 * would destroy the newer ones, so instead the dataset is swapped by rename:
 *   1 prepare:   clone the snapshot → cowsnap-internal/restore-<id> (tagged restore-new=<id>)
 *   2 move-old:  tag the dataset restore-old=<id>, unmount, rename → cowsnap-internal/lineage-<id>
 *   3 move-new:  rename restore-<id> → dataset (zfs-fuse cannot rename mounted datasets; it mounts on rename)
 *   4 finish:    carry a local mountpoint over, roll the lineage's head back (nobody can reach it),
 *                clear the tags.
 * The old dataset's snapshots live on in the lineage, which keeps the logical name in `cowsnap:dataset`,
 * so listSnapshots() still reports them and they stay restorable, clonable and deletable. The tags let
 * recover() tell, after a crash at any step, whether to undo (old still in place) or finish.
 */
export async function restoreBySwap(
  ctx: RestoreContext,
  dataset: string,
  snapshot: PhysicalSnapshot,
  options: RestoreOptions = {},
): Promise<void> {
  const { zfs, names } = ctx;
  const nested = (await zfs.list(dataset, 'filesystem,volume', 1)).filter((name) => name !== dataset);
  if (nested.length > 0) {
    throw nestedDatasetsError(dataset, nested, 'restore');
  }
  await refuseWithHeldClones(zfs, dataset, 'restore');
  await mountedBeforeSwap(zfs, dataset);
  await ctx.ensureInternal();
  const id = newId();
  const fresh = names.fresh('restore', id);
  const lineage = names.fresh('lineage', id);
  const local = await zfs.localProperties(dataset);
  // The restored copy keeps the dataset's own settings (quota, compression...); the mountpoint follows in step 4.
  const carried = Object.fromEntries([...local].filter(([key]) => !key.startsWith('cowsnap:') && key !== 'mountpoint'));

  await zfs.clone(snapshot.full, fresh, { ...carried, [PROP.dataset]: dataset, [PROP.restoreNew]: id });
  if (options.crashAfter === 'after-prepare') throw new SimulatedCrash('after-prepare');

  try {
    await zfs.setProperty(dataset, PROP.dataset, dataset);
    await zfs.setProperty(dataset, PROP.restoreOld, id);
    await zfs.ensureUnmounted(dataset);
    await zfs.rename(dataset, lineage);
  } catch (error) {
    await undoInPlace(zfs, dataset, fresh);
    throw error;
  }
  if (options.crashAfter === 'after-move-old') throw new SimulatedCrash('after-move-old');

  try {
    await zfs.rename(fresh, dataset);
  } catch (error) {
    // Never leave the dataset missing: put the old one back.
    await zfs.rename(lineage, dataset);
    await undoInPlace(zfs, dataset, fresh);
    throw error;
  }
  if (options.crashAfter === 'after-move-new') throw new SimulatedCrash('after-move-new');
  await finishRestore(zfs, names, dataset, id);
}

/**
 * A dataset found unmounted (a container's namespace held it through a remount, say) is mounted before
 * anything changes, what was written into its bare mountpoint folder kept beside it. While containers
 * still hold its old mount, zfs-fuse cannot mount it: the restore is refused (409) with nothing changed,
 * rather than swapping a dataset nobody sees and answering success.
 */
async function mountedBeforeSwap(zfs: ZfsCommands, dataset: string): Promise<void> {
  try {
    await zfs.ensureMounted(dataset, { moveAside: true });
  } catch (error) {
    const held = await heldElsewhere([dataset]);
    if (held.length === 0) throw error;
    throw new BusyError(`cannot restore ${dataset}: it is not mounted, and running containers still hold its old mount; stop them first`, { cause: error });
  }
}

/** The old dataset is (back) in place: clear its tag, mount it, drop the prepared copy. Returns what mounting moved aside. */
async function undoInPlace(zfs: ZfsCommands, dataset: string, fresh: string): Promise<string> {
  await zfs.inheritProperty(dataset, PROP.restoreOld);
  const { movedAside } = await zfs.ensureMounted(dataset, { moveAside: true });
  if (await zfs.datasetExists(fresh)) await zfs.destroy(fresh, { recursive: true });
  return keptNote(movedAside);
}

/** For a recovery action's detail: where the files found in an unmounted dataset's mountpoint folder are kept. */
function keptNote(movedAside: string | undefined): string {
  return movedAside === undefined ? '' : `; what was written into its mountpoint folder while it was moved aside is kept in ${movedAside}`;
}

/** Step 4; safe to run again after a crash inside it. Returns what mounting moved aside. */
async function finishRestore(zfs: ZfsCommands, names: ZfsNames, dataset: string, id: string): Promise<string> {
  const lineage = names.fresh('lineage', id);
  if (await zfs.datasetExists(lineage)) {
    const mountpoint = (await zfs.localProperties(lineage)).get('mountpoint');
    if (mountpoint !== undefined) {
      // Set on the new dataset before clearing on the old one, so a crash in between loses nothing.
      await zfs.setProperty(dataset, 'mountpoint', mountpoint);
      await zfs.inheritProperty(lineage, 'mountpoint');
    }
    const snapshots = await zfs.list(lineage, 'snapshot', 1);
    const newest = snapshots.at(-1);
    if (newest === undefined) {
      // No snapshot to keep: the lineage is just the discarded old state.
      await zfs.destroy(lineage, { recursive: true });
    } else {
      await rollbackIfNewest(zfs, newest);
      await zfs.inheritProperty(lineage, PROP.restoreOld);
    }
  }
  const { movedAside } = await zfs.ensureMounted(dataset, { moveAside: true });
  await zfs.inheritProperty(dataset, PROP.restoreNew);
  return keptNote(movedAside);
}

interface Tagged {
  readonly name: string;
  readonly logical: string | undefined;
  readonly restoreNew: string | undefined;
  readonly restoreOld: string | undefined;
}

async function readTags(zfs: ZfsCommands, names: ZfsNames): Promise<Tagged[]> {
  const rows = await zfs.getProperties([names.root], [PROP.dataset, PROP.restoreNew, PROP.restoreOld], 'all');
  const tagged: Tagged[] = [];
  for (const [name, props] of groupRows(rows)) {
    if (name.includes('@')) continue;
    const local = (property: string): string | undefined => {
      const row = props.get(property);
      return row?.source === 'local' && row.value !== '-' ? row.value : undefined;
    };
    tagged.push({ name, logical: local(PROP.dataset), restoreNew: local(PROP.restoreNew), restoreOld: local(PROP.restoreOld) });
  }
  return tagged;
}

/**
 * Finds interrupted restores by their tags and finishes (new copy in place) or undoes (old still there)
 * each, then mounts every dataset a restore touched that is left unmounted. One dataset that cannot be
 * put right (say its mountpoint is busy) is reported as `skipped` and the others are recovered all the
 * same: the tags stay, so the next start tries again; nothing here may keep the service from starting.
 */
export async function recoverRestores(zfs: ZfsCommands, names: ZfsNames): Promise<RecoveryAction[]> {
  if (!(await zfs.datasetExists(names.internal))) return [];
  const actions: RecoveryAction[] = [];
  const attempt = async (dataset: string, what: string, body: () => Promise<RecoveryAction | undefined>): Promise<void> => {
    try {
      const action = await body();
      if (action !== undefined) actions.push(action);
    } catch (error) {
      // A mount refused because running containers hold the dataset's old mount: the caller can stop them.
      if ((await heldElsewhere([dataset]).catch(() => [])).length > 0) {
        actions.push({ dataset, action: 'held', detail: `could not ${what}: not mounted, running containers still hold its old mount` });
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      actions.push({ dataset, action: 'skipped', detail: `could not ${what}: ${message}; left as found, the next start tries again` });
    }
  };

  // Prepared copies still parked in cowsnap-internal.
  for (const entry of await readTags(zfs, names)) {
    const parsed = names.parseInternal(entry.name);
    if (parsed?.kind !== 'restore') continue;
    const dataset = entry.logical;
    await attempt(dataset ?? entry.name, `recover restore ${parsed.id}`, async () => {
      if (dataset === undefined) {
        await zfs.destroy(entry.name, { recursive: true });
        return { dataset: entry.name, action: 'cleaned', detail: 'removed an untagged restore copy' };
      }
      if (await zfs.datasetExists(dataset)) {
        const kept = await undoInPlace(zfs, dataset, entry.name);
        return { dataset, action: 'undone', detail: `restore ${parsed.id} was interrupted before the swap; old content kept${kept}` };
      }
      await zfs.rename(entry.name, dataset);
      const kept = await finishRestore(zfs, names, dataset, parsed.id);
      return { dataset, action: 'finished', detail: `restore ${parsed.id} was interrupted mid-swap; restored content put in place${kept}` };
    });
  }

  // Restored copies in place whose last step did not run.
  for (const entry of await readTags(zfs, names)) {
    const id = entry.restoreNew;
    if (id === undefined || names.isInternal(entry.name)) continue;
    await attempt(entry.name, `finish restore ${id}`, async () => {
      const kept = await finishRestore(zfs, names, entry.name, id);
      return { dataset: entry.name, action: 'finished', detail: `finished restore ${id}${kept}` };
    });
  }

  // Old datasets moved aside whose restore left no copy: put them back if the name is free.
  for (const entry of await readTags(zfs, names)) {
    const logical = entry.logical;
    if (entry.restoreOld === undefined || logical === undefined || names.parseInternal(entry.name)?.kind !== 'lineage') continue;
    await attempt(logical, `put back ${entry.name}`, async () => {
      if (await zfs.datasetExists(logical)) {
        await zfs.inheritProperty(entry.name, PROP.restoreOld);
        return { dataset: logical, action: 'cleaned', detail: `cleared the restore tag of ${entry.name}` };
      }
      await zfs.rename(entry.name, logical);
      await zfs.inheritProperty(logical, PROP.restoreOld);
      const { movedAside } = await zfs.ensureMounted(logical, { moveAside: true });
      return { dataset: logical, action: 'undone', detail: `put the old content back from ${entry.name}${keptNote(movedAside)}` };
    });
  }

  // Whatever step a crash cut, a dataset a restore touched ends mounted at its mountpoint. One whose old
  // mount a running container still holds cannot be mounted (zfs-holders.ts): reported `held`, so the
  // caller, who knows the containers, can stop them and recover again.
  for (const entry of await readTags(zfs, names)) {
    if (entry.logical !== entry.name || names.isInternal(entry.name)) continue;
    await attempt(entry.name, 'mount it', async () => {
      const { mounted, movedAside } = await zfs.ensureMounted(entry.name, { moveAside: true });
      if (!mounted) return undefined;
      return { dataset: entry.name, action: 'finished', detail: `mounted it again${keptNote(movedAside)}` };
    });
  }
  return actions;
}
