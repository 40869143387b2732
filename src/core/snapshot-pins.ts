import { ConflictError } from '../errors/conflict-error.js';
import type { SnapshotRecord } from './model.js';

/**
 * Local snapshots that a background upload is reading (the one being sent, and the parent an incremental
 * stream is made from). Deleting a pinned snapshot — by the API or by the reaper — answers 409
 * snapshot_in_use instead of waiting: an upload may take hours, and a delete must not hang that long.
 * The reaper treats the 409 like any failed delete and tries again later.
 */
export class SnapshotPins {
  private readonly pins = new Map<number, { count: number; reason: string }>();

  pin(snapshotId: number, reason: string): () => void {
    const current = this.pins.get(snapshotId);
    if (current === undefined) this.pins.set(snapshotId, { count: 1, reason });
    else current.count += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const held = this.pins.get(snapshotId);
      if (held === undefined) return;
      held.count -= 1;
      if (held.count === 0) this.pins.delete(snapshotId);
    };
  }

  isPinned(snapshotId: number): boolean {
    return this.pins.has(snapshotId);
  }

  /** Throws 409 while the snapshot is pinned; the snapshot deleter calls it first. */
  assertDeletable(snapshot: Pick<SnapshotRecord, 'id' | 'name'>): void {
    const held = this.pins.get(snapshot.id);
    if (held === undefined) return;
    throw new ConflictError('snapshot_in_use', `Snapshot ${snapshot.name} is in use (${held.reason}); delete it when that has finished.`);
  }
}
