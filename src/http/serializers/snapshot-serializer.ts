/** SnapshotRecord → the snapshot JSON of the API contract (design.md §5). Field names must not drift. */
import type { SnapshotRecord } from '../../core/model.js';
import type { SnapshotJson } from '../wire/snapshot-json.js';
import { serializeReplica } from './replica-serializer.js';


/** ISO-8601 in UTC (`toISOString` always ends in Z). */
export function isoOrNull(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

export function serializeSnapshot(snapshot: SnapshotRecord): SnapshotJson {
  return {
    name: snapshot.name,
    alias: snapshot.alias,
    created_at: snapshot.createdAt.toISOString(),
    last_used_at: isoOrNull(snapshot.lastUsedAt),
    expires_at: isoOrNull(snapshot.expiresAt),
    stateful: false,
    size: snapshot.sizeBytes,
    state: snapshot.state,
    tags: [...snapshot.tags],
    filesystems: snapshot.filesystems.map((fs) => ({
      role: fs.role,
      mount_point: fs.mountPoint,
      driver: fs.driver,
      pool: fs.pool,
      dataset: fs.dataset,
    })),
    uncaptured: snapshot.uncaptured.map((u) => ({
      role: u.role,
      mount_point: u.mountPoint,
      source: u.source,
      reason: u.reason,
    })),
    origin: snapshot.origin,
    error: snapshot.error,
    container_name: snapshot.containerName,
    replicas: (snapshot.replicas ?? []).map(serializeReplica),
  };
}
