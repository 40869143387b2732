import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecoveryAction } from '../driver.js';
import type { BtrfsCommands } from './btrfs-commands.js';
import type { BtrfsLayout } from './btrfs-layout.js';
import type { NestedSnapshots } from './btrfs-nested-snapshot.js';
import { readSnapshotFolders } from './btrfs-snapshot-folders.js';
import { isSubvolume } from './btrfs-subvolume-tree.js';

/**
 * Leftovers other than restores: read-only snapshots of a diff against live that was interrupted, and
 * snapshot folders never completed (crash between mkdir and the rename that completes a snapshot). Run at
 * start-up, when no diff is in flight.
 */
export async function cleanLeftovers(
  layout: BtrfsLayout,
  btrfs: BtrfsCommands,
  nestedSnapshots: NestedSnapshots,
): Promise<RecoveryAction[]> {
  const actions: RecoveryAction[] = [];
  const tmp = layout.tmpRoot();
  for (const entry of await readdir(tmp).catch(() => [])) {
    const folder = join(tmp, entry);
    const live = join(folder, 'snapshot');
    if (await isSubvolume(live)) await btrfs.deleteSubvolume(live);
    await rmdir(folder);
    const dataset = layout.datasetFromKey(entry.replace(/\.[0-9a-f]+$/, ''));
    actions.push({ dataset, action: 'cleaned', detail: `removed temporary snapshot ${folder}` });
  }
  const snapshots = layout.snapshotsRoot();
  for (const key of await readdir(snapshots).catch(() => [])) {
    // One check per snapshot kept, at every start-up: synchronous stats in batches (btrfs-snapshot-folders.ts).
    for (const { name, path: folder, complete } of await readSnapshotFolders(join(snapshots, key), { createdAt: false })) {
      if (complete) continue;
      // A crash while taking the snapshot (its staging subvolume, nested parts) or destroying it leaves them behind.
      await nestedSnapshots.removeIncomplete(folder);
      await rmdir(folder).catch(() => undefined);
      actions.push({ dataset: layout.datasetFromKey(key), action: 'cleaned', detail: `removed incomplete snapshot ${name}` });
    }
  }
  return actions;
}
