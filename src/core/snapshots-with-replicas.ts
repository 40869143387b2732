import type { SnapshotsApi } from './api-types.js';
import type { SnapshotRecord } from './model.js';
import type { ReplicaRecord } from './replica.js';

/**
 * Wraps the snapshot API so every snapshot it returns carries this host's replica records (the snapshot
 * object's `replicas`), without the snapshot services knowing about remotes.
 */
export function withReplicas(api: SnapshotsApi, replicasOf: (containerId: string, snapshotName: string) => ReplicaRecord[]): SnapshotsApi {
  const attach = (snapshot: SnapshotRecord): SnapshotRecord => withField(snapshot, 'replicas', replicasOf(snapshot.containerId, snapshot.name));
  const inBackground = api.restoreInBackground?.bind(api);
  return {
    ...(inBackground !== undefined && { restoreInBackground: inBackground }),
    create: async (container, input) => {
      const result = await api.create(container, input);
      return { ...result, snapshot: attach(result.snapshot) };
    },
    list: async (container, query) => {
      const result = await api.list(container, query);
      return { ...result, snapshots: result.snapshots.map(attach) };
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

/**
 * A copy of `record` with one more field. Copied by property descriptors, not by spreading: a spread
 * would read the record's lazy `config` (store/row-mapping.ts) and decrypt it for every snapshot shown.
 */
function withField<T extends object, K extends string, V>(record: T, key: K, value: V): T & Record<K, V> {
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(record)) as T;
  return Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true }) as T & Record<K, V>;
}
