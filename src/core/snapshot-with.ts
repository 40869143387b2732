import type { SnapshotRecord } from './model.js';
import type { ReplicaRecord } from './replica.js';
import { LazySnapshotRecord } from './lazy-snapshot-record.js';

/** The fields a copy of a snapshot record may change. */
export interface SnapshotChanges {
  readonly state?: SnapshotRecord['state'];
  readonly sizeBytes?: number | null;
  readonly replicas?: readonly ReplicaRecord[];
}

/**
 * A copy of a snapshot record with some fields changed, keeping `config` lazy: it is read from the
 * original only when the copy's is read (core/lazy-snapshot-record.ts). A spread (`{ ...record }`) would
 * drop it (the getter is on the prototype); reading it eagerly would fetch and decrypt the sealed
 * configuration for every listed row, and fail once the row is gone (a deleted snapshot). Written out field
 * by field: TypeScript makes a new required field of SnapshotRecord fail here until it is copied too.
 */
export function snapshotWith(snapshot: SnapshotRecord, changes: SnapshotChanges): SnapshotRecord {
  const replicas = changes.replicas ?? snapshot.replicas;
  return new LazySnapshotRecord(
    {
      id: snapshot.id,
      containerId: snapshot.containerId,
      containerName: snapshot.containerName,
      projectId: snapshot.projectId,
      name: snapshot.name,
      alias: snapshot.alias,
      createdAt: snapshot.createdAt,
      expiresAt: snapshot.expiresAt,
      lastUsedAt: snapshot.lastUsedAt,
      state: changes.state ?? snapshot.state,
      sizeBytes: changes.sizeBytes !== undefined ? changes.sizeBytes : snapshot.sizeBytes,
      tags: snapshot.tags,
      filesystems: snapshot.filesystems,
      uncaptured: snapshot.uncaptured,
      origin: snapshot.origin,
      error: snapshot.error,
      ...(replicas !== undefined && { replicas }),
    },
    () => snapshot.config,
  );
}
