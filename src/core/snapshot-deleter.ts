import { NotFoundError as StorageNotFoundError } from '../../storage-drivers/common/errors.js';
import type { SnapshotRecord } from './model.js';
import type { PoolRegistry } from './pool-registry.js';
import type { StorePort } from './ports.js';
import { publicMessage } from './public-error.js';
import { storageSnapshotName } from './storage-snapshot-name.js';

/**
 * Deletes a snapshot: record marked `deleting` first (it leaves the API's ready list), then its storage
 * on every filesystem, then the record. A crash in between is finished by running it again, which is
 * why storage that is already gone counts as deleted. Used by the API and the reaper.
 */
export class SnapshotDeleter {
  constructor(
    private readonly store: Pick<StorePort, 'markSnapshotDeleting' | 'deleteSnapshotRecord' | 'recordSnapshotError' | 'startOperation' | 'finishOperation'>,
    private readonly pools: PoolRegistry,
    /** Refuses (throws) to delete a snapshot still in use, e.g. by a replica upload (snapshot-pins.ts). */
    private readonly guard: (snapshot: SnapshotRecord) => void = () => undefined,
  ) {}

  async delete(snapshot: SnapshotRecord): Promise<void> {
    // Every pool it lives on must be there (503 naming the one that is not) before anything changes.
    for (const filesystem of snapshot.filesystems) this.pools.driverFor(filesystem);
    this.guard(snapshot);
    this.store.markSnapshotDeleting(snapshot.id);
    const operation = this.store.startOperation('delete', snapshot.containerId, snapshot.name, { snapshotId: snapshot.id });
    const storageName = storageSnapshotName(snapshot.id, snapshot.name);
    try {
      for (const filesystem of snapshot.filesystems) {
        try {
          await this.pools.driverFor(filesystem).destroySnapshot(filesystem.dataset, storageName);
        } catch (error) {
          if (!(error instanceof StorageNotFoundError)) throw error;
        }
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Clients read `error` on the snapshot: a sentence and a code. The journal (server side) keeps the
      // command and stderr, and the caller (API request, reaper run) logs the error itself.
      this.store.recordSnapshotError(snapshot.id, `delete failed: ${publicMessage(error)}`);
      this.store.finishOperation(operation.id, 'failed', message);
      throw error;
    }
    this.store.deleteSnapshotRecord(snapshot.id);
    this.store.finishOperation(operation.id, 'done');
  }
}
