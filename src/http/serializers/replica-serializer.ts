/** Replica records, remote manifests and operations → the API's JSON (design.md §8). */
import type { OperationRecord } from '../../core/operations.js';
import type { ReplicaManifest } from '../../core/remote-port.js';
import type { ReplicaRecord } from '../../core/replica.js';
import type { OperationJson, ReplicaJson } from '../wire/replica-json.js';


export function serializeReplica(replica: ReplicaRecord): ReplicaJson {
  return {
    remote: replica.remoteId,
    state: replica.state,
    bytes: replica.plainBytes,
    stored_bytes: replica.storedBytes,
    uploaded_at: replica.uploadedAt?.toISOString() ?? null,
    parent: replica.parentSnapshot,
    error: replica.error,
    operation_id: replica.operationId,
    expires_at: replica.expiresAt?.toISOString() ?? null,
    schedule_id: replica.scheduleId,
    why: replica.keptBecause,
  };
}

export function serializeOperation(operation: OperationRecord): OperationJson {
  return {
    id: operation.id,
    kind: operation.kind,
    state: operation.status,
    container_id: operation.containerId,
    snapshot: operation.snapshotName,
    target: operation.target,
    bytes_done: operation.bytesDone,
    bytes_total: operation.bytesTotal,
    error: operation.error === null ? null : { code: operation.error.code, message: operation.error.message },
    started_at: operation.startedAt.toISOString(),
    updated_at: operation.updatedAt.toISOString(),
    finished_at: operation.finishedAt?.toISOString() ?? null,
  };
}

/** A manifest as a listing entry: what a person choosing a replica to restore needs; object keys stay inside. */
export function serializeRemoteSnapshot(manifest: ReplicaManifest): Record<string, unknown> {
  const streams = manifest.filesystems.map((fs) => ({
    role: fs.role,
    mount_point: fs.mountPoint,
    driver: fs.driver,
    parent: fs.stream.parentSnapshot,
    bytes: fs.stream.plainBytes,
    stored_bytes: fs.stream.storedBytes,
    sha256: fs.stream.sha256,
  }));
  return {
    container_id: manifest.containerId,
    container_name: manifest.containerName,
    name: manifest.snapshotName,
    alias: manifest.alias,
    created_at: manifest.createdAt,
    uploaded_at: manifest.uploadedAt,
    expires_at: manifest.expiresAt,
    origin: manifest.origin,
    tags: [...manifest.tags],
    incremental: streams.some((stream) => stream.parent !== null),
    bytes: streams.reduce((sum, stream) => sum + stream.bytes, 0),
    stored_bytes: streams.reduce((sum, stream) => sum + stream.stored_bytes, 0),
    streams,
    cowsnap_version: manifest.cowsnapVersion,
  };
}
