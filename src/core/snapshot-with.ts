import type { SnapshotRecord } from './model.js';
import type { ReplicaRecord } from './replica.js';

/** The fields a copy of a snapshot record may change. */
export interface SnapshotChanges {
  readonly state?: SnapshotRecord['state'];
  readonly sizeBytes?: number | null;
  readonly replicas?: readonly ReplicaRecord[];
}

/**
 * A copy of a snapshot record with some fields changed, keeping `config` lazy: it is a getter that fetches
 * and decrypts the sealed configuration only when read (store/row-mapping.ts). A spread (`{ ...record }`)
 * would call it: costly on every listed row, and an error once the row is gone (a deleted snapshot).
 * Written out field by field: an object literal stays a fast-mode object, where a generic descriptor copy
 * cost as much per listed row as reading it. TypeScript makes a new required field of SnapshotRecord fail
 * here until it is copied too.
 */
export function snapshotWith(snapshot: SnapshotRecord, changes: SnapshotChanges): SnapshotRecord {
  const replicas = changes.replicas ?? snapshot.replicas;
  return {
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
    get config() {
      return snapshot.config;
    },
    ...(replicas !== undefined && { replicas }),
  };
}
