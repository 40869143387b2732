/**
 * A list page shows each snapshot's replicas from one query for the whole page (issue #17: 50 look-ups
 * per page of 50 made the list 10x slower than a GET), with the same records a per-snapshot look-up gives.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { SnapshotsApi } from '../../src/core/api-types.js';
import type { ContainerRecord } from '../../src/core/model.js';
import { withReplicas } from '../../src/core/snapshots-with-replicas.js';
import { ReplicaStore } from '../../src/store/replica-store.js';
import { CONTAINER_ID, OTHER_CONTAINER_ID, createTestStore, newSnapshot, withContainer } from './store-fixture.js';

describe('store: replicas of a list page', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('one look-up per page, the same replicas per snapshot as one look-up each', async () => {
    withContainer(test);
    withContainer(test, OTHER_CONTAINER_ID, '/other');
    const replicas = new ReplicaStore(test.db);
    const at = test.clock.now();
    for (let i = 0; i < 60; i += 1) {
      const reserved = test.store.reserveSnapshot(newSnapshot({ createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000) }));
      if (i % 3 === 0) replicas.beginReplica({ containerId: CONTAINER_ID, snapshotName: reserved.name, remoteId: 'vault', snapshotId: reserved.id, operationId: 1 }, at);
      if (i % 6 === 0) replicas.beginReplica({ containerId: CONTAINER_ID, snapshotName: reserved.name, remoteId: 'attic', snapshotId: reserved.id, operationId: 1 }, at);
      // The same snapshot name on another container must not show up on this one's page.
      const other = test.store.reserveSnapshot(newSnapshot({ containerId: OTHER_CONTAINER_ID, containerName: 'other', createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000) }));
      replicas.beginReplica({ containerId: OTHER_CONTAINER_ID, snapshotName: other.name, remoteId: 'elsewhere', snapshotId: other.id, operationId: 1 }, at);
    }

    const calls = { single: 0, page: 0 };
    const container = { id: CONTAINER_ID } as ContainerRecord;
    const api = withReplicas(
      {
        list: (_ref, query) => Promise.resolve({ container, ...test.store.listSnapshots(CONTAINER_ID, query) }),
      } as Partial<SnapshotsApi> as SnapshotsApi,
      (containerId, name) => {
        calls.single += 1;
        return replicas.listReplicasOfSnapshot(containerId, name);
      },
      (containerId, names) => {
        calls.page += 1;
        return replicas.listReplicasOfSnapshots(containerId, names);
      },
    );

    const shown = await api.list('web', { limit: 50, offset: 0 });
    assert.equal(shown.snapshots.length, 50);
    assert.deepEqual(calls, { single: 0, page: 1 });
    let withTwo = 0;
    for (const snapshot of shown.snapshots) {
      const expected = replicas.listReplicasOfSnapshot(CONTAINER_ID, snapshot.name);
      assert.deepEqual(snapshot.replicas, expected, snapshot.name);
      if (expected.length === 2) withTwo += 1;
      assert.ok(snapshot.replicas.every((replica) => replica.containerId === CONTAINER_ID));
    }
    assert.ok(withTwo > 0, 'some snapshot has two replicas');
    assert.deepEqual(replicas.listReplicasOfSnapshots(CONTAINER_ID, []), new Map());
  });
});
