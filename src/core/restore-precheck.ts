/**
 * Before a restore changes anything: every captured filesystem of the snapshot must be a present,
 * mounted dataset. A zfs dataset left unmounted (a crash, zfs-fuse losing a mount under a container)
 * reads as its bare mountpoint folder on the host; swapping it would answer 200 while the container and
 * the host path show something else. Such a restore is refused (409 dataset_not_in_place), nothing changed;
 * start-up recovery, or the operator, mounts it again.
 */
import { ConflictError } from '../errors/conflict-error.js';
import type { CapturedFilesystem } from './model.js';
import type { PoolRegistry } from './pool-registry.js';

export async function assertFilesystemsInPlace(
  pools: Pick<PoolRegistry, 'isAvailable' | 'driverFor'>,
  filesystems: readonly CapturedFilesystem[],
  snapshotName: string,
): Promise<void> {
  const problems: string[] = [];
  for (const filesystem of filesystems) {
    // A pool that is down is refused by the restore itself, with pool_unavailable naming it.
    if (!pools.isAvailable(filesystem.pool)) continue;
    const driver = pools.driverFor(filesystem);
    if (!(await driver.datasetExists(filesystem.dataset))) problems.push(`${filesystem.mountPoint} (its dataset is gone)`);
    else if (driver.datasetMounted !== undefined && !(await driver.datasetMounted(filesystem.dataset))) problems.push(`${filesystem.mountPoint} (its dataset is not mounted)`);
  }
  if (problems.length === 0) return;
  throw new ConflictError(
    'dataset_not_in_place',
    `Snapshot ${snapshotName} cannot be restored now: ${problems.join(', ')}. Nothing was changed; once the dataset is back in place (a restart of cowsnap mounts it again), retry.`,
  );
}
