import { snapshotWith } from './snapshot-with.js';
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
  const attach = (snapshot: SnapshotRecord): SnapshotRecord => snapshotWith(snapshot, { replicas: replicasOf(snapshot.containerId, snapshot.name) });
  const inBackground = api.restoreInBackground?.bind(api);
  return {
    ...(inBackground !== undefined && { restoreInBackground: inBackground }),
    create: async (container, input) => {
      const result = await api.create(container, input);
      return { ...result, snapshot: attach(result.snapshot) };
    },
    list: async (container, query, resolved) => {
      const result = await api.list(container, query, resolved);
      const page = replicasOfPage(result.container.id, result.snapshots.map((snapshot) => snapshot.name));
      return { ...result, snapshots: result.snapshots.map((snapshot) => snapshotWith(snapshot, { replicas: page.get(snapshot.name) ?? NO_REPLICAS })) };
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

function perSnapshot(replicasOf: ReplicasOf): ReplicasOfPage {
  return (containerId, names) => new Map(names.map((name) => [name, replicasOf(containerId, name)]));
}
