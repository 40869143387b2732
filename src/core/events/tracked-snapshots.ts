/**
 * The snapshot API with every change run as a tracked operation (so it emits its events): create,
 * restore and delete. Reads pass through. Restore can also run in the background (`restoreInBackground`).
 */
import type { SnapshotsApi } from '../api-types.js';
import type { ContainerResolver } from '../container-resolver.js';
import { NotFoundError } from '../../errors/not-found-error.js';
import type { StorePort } from '../ports.js';
import type { OperationTracker } from './operation-tracker.js';

export interface TrackedSnapshotsDeps {
  readonly tracker: OperationTracker;
  readonly resolver: Pick<ContainerResolver, 'resolve' | 'resolveForRead'>;
  readonly store: Pick<StorePort, 'resolveSnapshot'>;
}

export function trackedSnapshots(api: SnapshotsApi, deps: TrackedSnapshotsDeps): SnapshotsApi {
  const { tracker, resolver, store } = deps;
  const containerId = async (ref: string): Promise<string> => (await resolver.resolve(ref)).record.id;
  // A container that cannot be resolved gets the service's own answer, and no operation: nothing started.
  // Only the id, for the record: the event-invalidated lookup cache is enough (the operation itself asks
  // Docker afresh), saving a Docker inspect per create, restore and delete.
  const knownId = (ref: string): Promise<string | undefined> =>
    resolver.resolveForRead(ref).then(
      (resolved) => resolved.record.id,
      () => undefined,
    );
  const snapshotName = (id: string, ref: string): string | null => store.resolveSnapshot(id, ref)?.name ?? null;
  return {
    list: (container, query, resolved) => api.list(container, query, resolved),
    get: (container, snapshot) => api.get(container, snapshot),
    update: (container, snapshot, input) => api.update(container, snapshot, input),
    async create(container, input) {
      const id = await knownId(container);
      if (id === undefined) return api.create(container, input);
      // The outcome names the container snapshotted: the name may have been re-pointed since the cached lookup.
      return tracker.run({ kind: 'snapshot.create', containerId: id, snapshotName: null, target: null }, () => api.create(container, input), (r) => ({
        snapshotName: r.snapshot.name,
        containerId: r.container.id,
      }));
    },
    async restore(container, snapshot, input) {
      const id = await knownId(container);
      if (id === undefined) return api.restore(container, snapshot, input);
      return tracker.run({ kind: 'snapshot.restore', containerId: id, snapshotName: snapshotName(id, snapshot), target: null }, () =>
        api.restore(container, snapshot, input),
      );
    },
    async delete(container, snapshot) {
      const id = await knownId(container);
      if (id === undefined) return api.delete(container, snapshot);
      return tracker.run({ kind: 'snapshot.delete', containerId: id, snapshotName: snapshotName(id, snapshot), target: null }, () =>
        api.delete(container, snapshot),
      );
    },
    async restoreInBackground(container, snapshot, input) {
      const id = await containerId(container);
      const name = snapshotName(id, snapshot);
      if (name === null) throw new NotFoundError('snapshot_not_found', `Container ${container} has no snapshot named or aliased "${snapshot}".`);
      return tracker.launch({ kind: 'snapshot.restore', containerId: id, snapshotName: name, target: null }, () => api.restore(container, snapshot, input));
    },
  };
}
