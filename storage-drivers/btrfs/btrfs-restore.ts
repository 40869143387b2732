import { readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir } from '../common/ensure-dir.js';
import { mapErrors } from '../common/error-mapping.js';
import { Reverter } from '../common/reverter.js';
import { SimulatedCrash, type CrashCheckpoint } from '../common/crash-checkpoint.js';
import type { RecoveryAction, RestoreOptions, RestoreStep } from '../driver.js';
import type { BtrfsLayout } from './btrfs-layout.js';

/** What restore and recovery need from the driver: deleting a subvolume with everything nested in it. */
export interface RestoreTools {
  readonly layout: BtrfsLayout;
  /** Roots of the mounts (of the pool's filesystem) at or below the pool: where restore areas may be. */
  mountBases(): string[];
  /** The root of the mount that holds `path` (the pool itself when on the pool's own mount). */
  mountBaseOf(path: string): string;
  snapshotWritable(source: string, target: string): Promise<void>;
  deleteTree(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Commits the filesystem's transaction: a swap that returned survives a power cut. */
  sync(): Promise<void>;
  /** The subvolume id of the subvolume at `path`: tells after a crash whether the exchange happened. */
  rootId(path: string): Promise<number>;
  /** Atomically exchanges two paths; false when this machine or filesystem cannot (then two renames are used). */
  exchange(a: string, b: string): Promise<boolean>;
  /** Crash tests' hook between the swap's steps (see crash-checkpoint.ts); none in production. */
  readonly crashCheckpoint?: CrashCheckpoint | undefined;
}

/** In the restore folder: the subvolume id of the prepared copy. */
const FRESH_ID_FILE = 'new-id';

/**
 * Swap, so that at every instant either the old or the restored subvolume sits at the dataset's path:
 *   1 prepare:   writable snapshot of the snapshot → restore/<key>/new; its subvolume id → restore/<key>/new-id
 *   2 exchange:  renameat2(RENAME_EXCHANGE) of new and the dataset, one atomic step: the dataset now holds
 *                the restored content and restore/<key>/new the old one
 *   3 sync, then delete restore/<key>/new (the old content, and whatever was nested in it)
 * Where the kernel or machine cannot exchange, two renames (dataset → old, new → dataset) do the same with
 * a short window in which recover() must put one back.
 * Snapshots live elsewhere (.cowsnap/snapshots) and are never touched, newer ones included.
 */
export async function restoreBySwap(
  tools: RestoreTools,
  dataset: string,
  snapshotPath: string,
  options: RestoreOptions = {},
): Promise<void> {
  const dir = tools.layout.restoreDir(dataset, tools.mountBaseOf(dataset));
  const fresh = join(dir, 'new');
  const old = join(dir, 'old');
  const crashPoint = (step: RestoreStep): void => {
    tools.crashCheckpoint?.(`btrfs-restore:${step}`);
    if (options.crashAfter === step) throw new SimulatedCrash(step);
  };
  // Leftovers of an earlier crash must be settled before a new swap reuses these names.
  if (await tools.exists(dir)) await recoverOne(tools, dir);
  const reverter = new Reverter();
  let exchanged = false;
  try {
    await mapErrors(`restore ${dataset}`, () => ensureDir(dir));
    reverter.add('remove the restore folder', () => rmdir(dir));
    await tools.snapshotWritable(snapshotPath, fresh);
    reverter.add('delete the restored copy', () => tools.deleteTree(fresh));
    const freshId = await tools.rootId(fresh);
    reverter.add('remove the id file', () => rm(join(dir, FRESH_ID_FILE), { force: true }));
    // A full pool can refuse this small file after the snapshot fitted: the typed error, so it maps to no_space.
    await mapErrors(`restore ${dataset}`, () => writeFile(join(dir, FRESH_ID_FILE), String(freshId)));
    crashPoint('after-prepare');
    exchanged = await tools.exchange(fresh, dataset);
    if (!exchanged) {
      await mapErrors(`move ${dataset} aside`, () => rename(dataset, old));
      // Never leave the dataset missing: the old content goes back if the second rename fails.
      reverter.add('put the old content back', () => rename(old, dataset));
    }
    crashPoint('after-move-old');
    if (!exchanged) await mapErrors(`move the restored copy to ${dataset}`, () => rename(fresh, dataset));
    reverter.success();
  } catch (error) {
    // A simulated crash leaves everything as a dead process would, for recover() to find.
    if (!(error instanceof SimulatedCrash)) await reverter.revert();
    throw error;
  }
  // The swap is done; make it durable before the old content goes.
  await tools.sync();
  crashPoint('after-move-new');
  // The restore is done. Removing the old content can fail (a full pool needs metadata space to delete):
  // what is left is exactly a crash's leftover here, which recover() removes at start-up or before the next
  // restore of this dataset; failing the restore now would report a restored dataset as not restored.
  try {
    await tools.deleteTree(exchanged ? fresh : old);
    await rm(join(dir, FRESH_ID_FILE), { force: true });
    await rmdir(dir);
  } catch {
    // Left for recover().
  }
}

/** Finishes or undoes every interrupted restore found in the pool. */
export async function recoverRestores(tools: RestoreTools): Promise<RecoveryAction[]> {
  const actions: RecoveryAction[] = [];
  for (const base of tools.mountBases()) {
    const root = tools.layout.restoreRoot(base);
    for (const key of await readdir(root).catch(() => [])) {
      try {
        actions.push(await recoverOne(tools, join(root, key)));
      } catch (error) {
        // One unreadable leftover (a hand-made folder, a malformed name) must not stop start-up or the
        // other recoveries; it stays as found, reported so an operator can look at it.
        const reason = error instanceof Error ? error.message : String(error);
        actions.push({ dataset: join(root, key), action: 'skipped', detail: `left as found: ${reason}` });
      }
    }
  }
  return actions;
}

async function recoverOne(tools: RestoreTools, dir: string): Promise<RecoveryAction> {
  const key = dir.split('/').at(-1) ?? '';
  const dataset = tools.layout.datasetFromKey(key);
  const fresh = join(dir, 'new');
  const old = join(dir, 'old');
  const [hasDataset, hasNew, hasOld] = await Promise.all([tools.exists(dataset), tools.exists(fresh), tools.exists(old)]);
  let action: RecoveryAction;
  const freshId = await readFile(join(dir, FRESH_ID_FILE), 'utf8').then(Number, () => undefined);
  if (hasDataset && hasNew && freshId !== undefined && (await tools.rootId(dataset)) === freshId) {
    // Crashed after the atomic exchange: the dataset holds the restored copy, "new" the old content.
    await tools.deleteTree(fresh);
    action = { dataset, action: 'finished', detail: 'removed the old content left behind by a completed exchange' };
  } else if (!hasDataset && hasNew) {
    // Crashed between the two renames: the restored copy is complete, finish the swap.
    await rename(fresh, dataset);
    if (hasOld) await tools.deleteTree(old);
    action = { dataset, action: 'finished', detail: 'moved the restored copy into place and removed the old content' };
  } else if (!hasDataset && hasOld) {
    await rename(old, dataset);
    action = { dataset, action: 'undone', detail: 'put the old content back (the restored copy was missing)' };
  } else if (hasNew) {
    // The dataset was never moved: the restore had not started to change anything visible.
    await tools.deleteTree(fresh);
    if (hasOld) await tools.deleteTree(old);
    action = { dataset, action: 'undone', detail: 'removed the unused restored copy; the dataset keeps its old content' };
  } else if (hasOld) {
    await tools.deleteTree(old);
    action = { dataset, action: 'finished', detail: 'removed the old content left behind by a completed swap' };
  } else {
    action = { dataset, action: 'cleaned', detail: 'removed an empty restore folder' };
  }
  await rm(join(dir, FRESH_ID_FILE), { force: true });
  await rmdir(dir);
  return action;
}
