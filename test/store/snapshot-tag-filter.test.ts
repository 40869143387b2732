/** `?tag=` on the snapshot list: exact tag match, with paging and the other filters, in SQL. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CONTAINER_ID, OTHER_CONTAINER_ID, createTestStore, newSnapshot, withContainer } from './store-fixture.js';

describe('store: snapshot list filtered by tag', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('returns only snapshots carrying exactly that tag; total counts every match; other filters still apply', () => {
    withContainer(test);
    withContainer(test, OTHER_CONTAINER_ID, '/api');
    const base = Date.parse('2026-05-01T00:00:00Z');
    const tagSets = [['template'], ['Template'], ['template', 'v2'], ['templates'], [], ['nightly', 'template'], ['%'], ['template ']];
    const made = tagSets.map((tags, i) => test.store.reserveSnapshot(newSnapshot({ tags, createdAt: new Date(base + i * 60_000) })));
    for (const s of made.slice(0, 3)) test.store.markSnapshotReady(s.id, { sizeBytes: 1, filesystems: s.filesystems });
    test.store.reserveSnapshot(newSnapshot({ containerId: OTHER_CONTAINER_ID, tags: ['template'] }));
    const ids = (q: Parameters<typeof test.store.listSnapshots>[1]): { ids: number[]; total: number } => {
      const { snapshots, total } = test.store.listSnapshots(CONTAINER_ID, q);
      return { ids: snapshots.map((s) => made.findIndex((m) => m.id === s.id)), total };
    };
    // Not 'Template', 'templates' or 'template ' (exact), not the other container's.
    assert.deepEqual(ids({ limit: 50, offset: 0, tag: 'template' }), { ids: [5, 2, 0], total: 3 });
    assert.deepEqual(ids({ limit: 1, offset: 1, tag: 'template' }), { ids: [2], total: 3 });
    assert.deepEqual(ids({ limit: 50, offset: 0, tag: 'template', state: 'ready' }), { ids: [2, 0], total: 2 });
    assert.deepEqual(ids({ limit: 50, offset: 0, tag: 'Template' }), { ids: [1], total: 1 });
    // No LIKE or GLOB: a wildcard character is just a character.
    assert.deepEqual(ids({ limit: 50, offset: 0, tag: '%' }), { ids: [6], total: 1 });
    assert.deepEqual(ids({ limit: 50, offset: 0, tag: 'absent' }), { ids: [], total: 0 });
    assert.equal(test.store.listSnapshots(CONTAINER_ID, { limit: 50, offset: 0 }).total, 8);
  });
});
