/**
 * The list page cache (core/snapshot-list-cache.ts) on a real store: a page is reused only while nothing
 * was written, and every kind of write that can change a listed field — made by the service's own
 * connection or by another process on the same file — makes the next list read the database again.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { SnapshotListResult, SnapshotsApi } from '../../src/core/api-types.js';
import type { ContainerResolver } from '../../src/core/container-resolver.js';
import { withListCache } from '../../src/core/snapshot-list-cache.js';
import { withReplicas } from '../../src/core/snapshots-with-replicas.js';
import { dataGeneration } from '../../src/store/data-generation.js';
import { openDatabase } from '../../src/store/database.js';
import { ReplicaStore } from '../../src/store/replica-store.js';
import { CONTAINER_ID, createTestStore, newSnapshot, withContainer } from './store-fixture.js';

describe('store: the snapshot list cache', () => {
  const test = createTestStore();
  after(() => test.destroy());
  withContainer(test);
  const replicas = new ReplicaStore(test.db);
  let reads = 0;
  const containerRecord = () => {
    const record = test.store.getContainer(CONTAINER_ID);
    assert.ok(record);
    return record;
  };
  const resolver = { resolveForRead: () => Promise.resolve({ record: containerRecord(), live: undefined }) } as unknown as ContainerResolver;
  const inner = {
    list: (_ref: string, query: Parameters<SnapshotsApi['list']>[1]) => {
      reads += 1;
      return Promise.resolve({ container: containerRecord(), ...test.store.listSnapshots(CONTAINER_ID, query) });
    },
  } as unknown as SnapshotsApi;
  const uncached = withReplicas(inner, (c, n) => replicas.listReplicasOfSnapshot(c, n), (c, names) => replicas.listReplicasOfSnapshots(c, names));
  const api = withListCache(uncached, { resolver, generation: dataGeneration(test.db) });
  const query = { limit: 50, offset: 0 };
  const list = (): Promise<SnapshotListResult> => api.list('web', query);
  const first = test.store.reserveSnapshot(newSnapshot({ createdAt: new Date('2026-03-04T05:06:07.000Z') }));
  const second = test.store.reserveSnapshot(newSnapshot({ createdAt: new Date('2026-03-04T05:06:08.000Z') }));

  /** Lists twice (the second is a hit), writes, then lists again: a fresh read equal to an uncached list. */
  async function assertWriteSeen(write: () => void): Promise<void> {
    const before = await list();
    const readsBefore = reads;
    assert.equal(await list(), before, 'the unchanged page is reused');
    assert.equal(reads, readsBefore, 'a reused page reads nothing');
    write();
    const after = await list();
    assert.notEqual(after, before, 'a page read before the write was served after it');
    assert.equal(reads, readsBefore + 1);
    const fresh = await uncached.list('web', query);
    assert.deepEqual(JSON.parse(JSON.stringify(after)), JSON.parse(JSON.stringify(fresh)));
  }

  it('reuses a page while nothing is written, and keeps pages of other queries apart', async () => {
    const page = await list();
    assert.equal(await list(), page);
    assert.ok(Object.isFrozen(page), 'a kept page is frozen: the HTTP layer reuses the JSON of frozen answers only');
    const other = await api.list('web', { limit: 1, offset: 0 });
    assert.notEqual(other, page);
    assert.equal(other.snapshots.length, 1);
    assert.equal(page.snapshots.length, 2);
  });

  it('reads again after a create, a ready mark and a failed create', async () => {
    await assertWriteSeen(() => test.store.reserveSnapshot(newSnapshot({ createdAt: new Date('2026-03-04T05:06:09.000Z') })));
    await assertWriteSeen(() => test.store.markSnapshotReady(first.id, { sizeBytes: 1, filesystems: first.filesystems }));
    await assertWriteSeen(() => {
      test.store.markSnapshotFailed(second.id, 'boom');
    });
  });

  it('reads again after a background size measurement, an expiry, alias or tag change and a restore stamp', async () => {
    await assertWriteSeen(() => {
      test.store.setSnapshotSize(first.id, 4096);
    });
    await assertWriteSeen(() => test.store.updateSnapshotMeta(first.id, { expiresAt: new Date('2026-04-01T00:00:00.000Z') }));
    await assertWriteSeen(() => test.store.updateSnapshotMeta(first.id, { alias: 'before-deploy', tags: ['x'] }));
    await assertWriteSeen(() => {
      test.store.touchLastUsed(first.id, new Date('2026-03-05T00:00:00.000Z'));
    });
    await assertWriteSeen(() => {
      test.store.recordSnapshotError(first.id, 'delete will be retried');
    });
  });

  it('reads again after replica changes', async () => {
    const key = { containerId: CONTAINER_ID, snapshotName: first.name, remoteId: 'offsite' };
    await assertWriteSeen(() => replicas.beginReplica({ ...key, snapshotId: first.id, operationId: 1 }, new Date('2026-03-05T00:00:00.000Z')));
    await assertWriteSeen(() => replicas.markReplicaReady(key, { plainBytes: 10, storedBytes: 5, uploadedAt: new Date('2026-03-05T00:01:00.000Z'), parentSnapshot: null }));
    await assertWriteSeen(() => {
      replicas.deleteReplicaRecord(key);
    });
    assert.deepEqual((await list()).snapshots.map((s) => s.replicas), [[], [], []]);
  });

  it('reads again after a delete and after the container moves to another project', async () => {
    await assertWriteSeen(() => {
      test.store.markSnapshotDeleting(second.id);
    });
    await assertWriteSeen(() => {
      test.store.deleteSnapshotRecord(second.id);
    });
    await assertWriteSeen(() => test.store.containers.assignProject(CONTAINER_ID, 'team-a'));
    assert.equal((await list()).container.projectId, 'team-a');
  });

  it('reads again after another process writes to the same database file', async () => {
    const other = openDatabase(test.databasePath);
    try {
      await assertWriteSeen(() => other.prepare('UPDATE snapshots SET size_bytes = 77 WHERE id = ?').run(first.id));
      assert.equal((await list()).snapshots.find((s) => s.id === first.id)?.sizeBytes, 77);
    } finally {
      other.close();
    }
  });
});
