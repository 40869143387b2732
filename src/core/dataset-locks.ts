import { ConflictError } from '../errors/conflict-error.js';
import { ContainerLocks } from './container-lock.js';
import type { CapturedFilesystem } from './model.js';

type Dataset = Pick<CapturedFilesystem, 'pool' | 'dataset'>;

/**
 * Locks per dataset, beside the per-container ones: one pool subvolume or ZFS dataset can be
 * bind-mounted into several containers, and two restores of it (from two containers) would share its
 * restore area. A restore holds its datasets exclusively; snapshots hold theirs shared. Several
 * datasets are taken in one sorted order, so two operations never wait on each other in a circle.
 */
export class DatasetLocks {
  private readonly locks: ContainerLocks;

  constructor(waitMs = 2000) {
    // Clients never see host paths: the message names the operation, not the dataset.
    this.locks = new ContainerLocks(
      waitMs,
      (_key, heldBy) =>
        new ConflictError('dataset_busy', `A dataset this operation needs is busy with another operation (${heldBy}), which may belong to another container mounting it; try again when it has finished.`),
    );
  }

  run<T>(datasets: readonly Dataset[], operation: string, body: () => Promise<T>): Promise<T> {
    return this.holdAll(keysOf(datasets), operation, false, body);
  }

  runShared<T>(datasets: readonly Dataset[], operation: string, body: () => Promise<T>): Promise<T> {
    return this.holdAll(keysOf(datasets), operation, true, body);
  }

  private holdAll<T>(keys: readonly string[], operation: string, shared: boolean, body: () => Promise<T>): Promise<T> {
    const [first, ...rest] = keys;
    if (first === undefined) return body();
    const inner = (): Promise<T> => this.holdAll(rest, operation, shared, body);
    return shared ? this.locks.runShared(first, operation, inner) : this.locks.run(first, operation, inner);
  }
}

function keysOf(datasets: readonly Dataset[]): string[] {
  return [...new Set(datasets.map((d) => `${d.pool}\u0000${d.dataset}`))].sort();
}
