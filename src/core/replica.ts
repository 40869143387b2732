/**
 * A replica: one snapshot's data and metadata in one remote (design.md §8). The bucket's manifest is the
 * truth about what exists there; this local record tracks this host's uploads (state, sizes, errors) so the
 * snapshot object can show them and start-up can resume an upload a crash cut off.
 */
export type ReplicaState = 'uploading' | 'ready' | 'failed';

export interface ReplicaRecord {
  readonly containerId: string;
  readonly snapshotName: string;
  readonly remoteId: string;
  /** The local snapshot's record id; the replica record outlives the local snapshot (never deleted with it). */
  readonly snapshotId: number;
  readonly state: ReplicaState;
  /** The snapshot the replica's streams are incremental to (null: every stream is full). */
  readonly parentSnapshot: string | null;
  /** Plain (uncompressed, unencrypted) bytes of all streams; null until known. */
  readonly plainBytes: number | null;
  /** Bytes stored in the bucket (compressed + encrypted); null until known. */
  readonly storedBytes: number | null;
  readonly uploadedAt: Date | null;
  readonly error: string | null;
  /** The operation that uploads (or uploaded) it. */
  readonly operationId: number | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When the remote reaper may delete it (its own expiry, not the local snapshot's); null = kept until deleted. */
  readonly expiresAt: Date | null;
  /** The schedule that pushed it (its keep_min applies in the remote too); null for a push by hand. */
  readonly scheduleId: number | null;
  /** A full stream was asked for (a schedule's full_every), whatever parent is available. */
  readonly fullRequested: boolean;
  /** Why the remote reaper keeps it past its expiry (e.g. "parent of snap-..."); null when not. */
  readonly keptBecause: string | null;
}

/** What a push asks for beyond "upload this snapshot" (scheduled replication, issue 12). */
export interface ReplicaIntent {
  readonly expiresAt: Date | null;
  readonly scheduleId: number | null;
  readonly full: boolean;
}

export const PLAIN_PUSH: ReplicaIntent = { expiresAt: null, scheduleId: null, full: false };

export interface ReplicaKey {
  readonly containerId: string;
  readonly snapshotName: string;
  readonly remoteId: string;
}

/** What services need from the replica store. */
export interface ReplicaStorePort {
  /** Creates the record in `uploading`, or turns a failed one back into `uploading` (a retry). */
  beginReplica(input: ReplicaKey & { snapshotId: number; operationId: number; intent?: ReplicaIntent }, at: Date): ReplicaRecord;
  setReplicaParent(key: ReplicaKey, parentSnapshot: string | null, at: Date): void;
  markReplicaReady(key: ReplicaKey, fields: { plainBytes: number; storedBytes: number; uploadedAt: Date; parentSnapshot: string | null }): ReplicaRecord;
  markReplicaFailed(key: ReplicaKey, error: string, at: Date): void;
  getReplica(key: ReplicaKey): ReplicaRecord | undefined;
  listReplicasOfSnapshot(containerId: string, snapshotName: string): ReplicaRecord[];
  /** By snapshot name; a snapshot without replicas has no entry. */
  listReplicasOfSnapshots(containerId: string, snapshotNames: readonly string[]): Map<string, ReplicaRecord[]>;
  listReplicasOfContainer(containerId: string, remoteId: string): ReplicaRecord[];
  listReplicasInState(state: ReplicaState): ReplicaRecord[];
  deleteReplicaRecord(key: ReplicaKey): void;
}
