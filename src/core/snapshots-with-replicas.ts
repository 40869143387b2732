import type { SnapshotsApi } from './api-types.js';
import type { SnapshotRecord } from './model.js';
import type { ReplicaRecord } from './replica.js';

type ReplicasOf = (containerId: string, snapshotName: string) => ReplicaRecord[];
/** The replicas of a page of one container's snapshots, by snapshot name (one query, not one per row). */
type ReplicasOfPage = (containerId: string, snapshotNames: readonly string[]) => ReadonlyMap<string, ReplicaRecord[]>;

/**
 * Wraps the snapshot API so every snapshot it returns carries this host's replica records (the snapshot
 * object's `replicas`), without the snapshot services knowing about remotes. A list looks its page's
 * replicas up at once when `replicasOfPage` is given.
 */
export function withReplicas(api: SnapshotsApi, replicasOf: ReplicasOf, replicasOfPage: ReplicasOfPage = perSnapshot(replicasOf)): SnapshotsApi {
  const attach = (snapshot: SnapshotRecord): SnapshotRecord => withReplicaRecords(snapshot, replicasOf(snapshot.containerId, snapshot.name));
  const inBackground = api.restoreInBackground?.bind(api);
  return {
    ...(inBackground !== undefined && { restoreInBackground: inBackground }),
    create: async (container, input) => {
      const result = await api.create(container, input);
      return { ...result, snapshot: attach(result.snapshot) };
    },
    list: async (container, query) => {
      const result = await api.list(container, query);
      const page = replicasOfPage(result.container.id, result.snapshots.map((snapshot) => snapshot.name));
      return { ...result, snapshots: result.snapshots.map((snapshot) => withReplicaRecords(snapshot, page.get(snapshot.name) ?? NO_REPLICAS)) };
    },
    get: async (container, snapshot) => {
      const result = await api.get(container, snapshot);
      return { ...result, snapshot: attach(result.snapshot) };
    },
    restore: async (container, snapshot, input) => {
      const result = await api.restore(container, snapshot, input);
      return { ...result, snapshot: attach(result.snapshot), safetySnapshot: result.safetySnapshot === null ? null : attach(result.safetySnapshot) };
    },
    update: async (container, snapshot, input) => {
      const result = await api.update(container, snapshot, input);
      return { ...result, snapshot: attach(result.snapshot) };
    },
    // Deleting the local snapshot never deletes its replicas; the answer still shows them.
    delete: async (container, snapshot) => {
      const result = await api.delete(container, snapshot);
      return { ...result, snapshot: attach(result.snapshot) };
    },
  };
}

const NO_REPLICAS: readonly ReplicaRecord[] = Object.freeze([]);

/**
 * A copy of the record with its replicas, written out field by field: an object literal is a fast-mode
 * object, where the generic descriptor copy of withField (record-with-field.ts) cost as much per listed
 * row as reading it. `config` stays a lazy getter that reads the source record's (never decrypted for a
 * list). TypeScript makes a new required field of SnapshotRecord fail here until it is copied too.
 */
function withReplicaRecords(snapshot: SnapshotRecord, replicas: readonly ReplicaRecord[]): SnapshotRecord {
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
    state: snapshot.state,
    sizeBytes: snapshot.sizeBytes,
    tags: snapshot.tags,
    filesystems: snapshot.filesystems,
    uncaptured: snapshot.uncaptured,
    origin: snapshot.origin,
    error: snapshot.error,
    get config() {
      return snapshot.config;
    },
    replicas,
  };
}

function perSnapshot(replicasOf: ReplicasOf): ReplicasOfPage {
  return (containerId, names) => new Map(names.map((name) => [name, replicasOf(containerId, name)]));
}
