/**
 * A snapshot's sealed container configuration is decrypted only when read (restore, copy), never for
 * listing or showing snapshots — also after the API wrapper adds the replicas to each record.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SnapshotsApi } from '../../src/core/api-types.js';
import type { ContainerRecord } from '../../src/core/model.js';
import { withReplicas } from '../../src/core/snapshots-with-replicas.js';
import { loadOrCreateKey, SecretBox } from '../../src/store/secret-box.js';
import { SnapshotStore } from '../../src/store/snapshot-store.js';
import { CONTAINER_ID, createTestStore, newSnapshot, sampleConfig, withContainer } from './store-fixture.js';

class CountingBox extends SecretBox {
  decrypted = 0;
  override decrypt(blob: string): string {
    this.decrypted += 1;
    return super.decrypt(blob);
  }
}

describe('store: lazy snapshot configuration', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('lists and shows snapshots without decrypting their configuration; reading config decrypts once', async () => {
    withContainer(test);
    const box = new CountingBox(loadOrCreateKey(join(test.dir, 'keys', 'secret.key')));
    const snapshots = new SnapshotStore(test.db, box);
    for (let i = 0; i < 3; i += 1) snapshots.reserveSnapshot(newSnapshot({ createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000) }));
    const { snapshots: listed } = snapshots.listSnapshots(CONTAINER_ID, { limit: 50, offset: 0 });
    assert.equal(listed.length, 3);

    const container = { id: CONTAINER_ID } as ContainerRecord;
    const api = withReplicas(
      {
        list: () => Promise.resolve({ container, snapshots: listed, total: listed.length }),
        get: () => Promise.resolve({ container, snapshot: listed[0] }),
      } as unknown as SnapshotsApi,
      () => [],
    );
    const shown = await api.list('web', { limit: 50, offset: 0 });
    await api.get('web', 'x');
    assert.deepEqual(shown.snapshots.map((s) => s.replicas), [[], [], []]);
    assert.equal(box.decrypted, 0, 'decrypted while listing');

    const first = shown.snapshots[0];
    assert.ok(first);
    assert.deepEqual(first.config, sampleConfig());
    assert.deepEqual(first.config.env, sampleConfig().env);
    assert.equal(box.decrypted, 1, 'decrypted once when read, then remembered');
  });

  it('a listed record whose row was deleted since answers snapshot_not_found when its config is read', () => {
    const snapshots = new SnapshotStore(test.db, new CountingBox(loadOrCreateKey(join(test.dir, 'keys', 'secret.key'))));
    const reserved = snapshots.reserveSnapshot(newSnapshot({ createdAt: new Date(Date.UTC(2026, 1, 1)) }));
    const listed = snapshots.listSnapshots(CONTAINER_ID, { limit: 1, offset: 0 }).snapshots[0];
    assert.equal(listed?.id, reserved.id);
    // The filesystems come with the row (one statement), in their recorded order.
    assert.deepEqual(listed.filesystems, newSnapshot().filesystems);
    snapshots.deleteSnapshotRecord(reserved.id);
    assert.throws(() => listed.config, { code: 'snapshot_not_found' });
  });
});
