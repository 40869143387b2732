import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { CONTAINER_ID, createTestStore, newSnapshot, OTHER_CONTAINER_ID, withContainer } from './store-fixture.js';

describe('store: snapshots', () => {
  const test = createTestStore();
  after(() => test.destroy());
  beforeEach(() => {
    test.db.exec('DELETE FROM snapshots');
    withContainer(test);
    withContainer(test, OTHER_CONTAINER_ID, '/db');
  });

  it('names snapshots in the same UTC second -2, -3, ... per container', () => {
    const at = new Date('2026-03-04T23:59:58.100Z');
    const names = [0, 300, 899].map((ms) => test.store.reserveSnapshot(newSnapshot({ createdAt: new Date(at.getTime() + ms) })).name);
    assert.deepEqual(names, ['snap-20260304-235958', 'snap-20260304-235958-2', 'snap-20260304-235958-3']);
    assert.equal(test.store.reserveSnapshot(newSnapshot({ createdAt: new Date('2026-03-04T23:59:59Z') })).name, 'snap-20260304-235959');
    // Another container has its own sequence.
    assert.equal(test.store.reserveSnapshot(newSnapshot({ containerId: OTHER_CONTAINER_ID, createdAt: at })).name, 'snap-20260304-235958');
    // A deleted -2 is not handed out again while -3 exists: names keep their creation order.
    const second = test.store.resolveSnapshot(CONTAINER_ID, 'snap-20260304-235958-2');
    assert.ok(second);
    test.store.deleteSnapshotRecord(second.id);
    assert.equal(test.store.reserveSnapshot(newSnapshot({ createdAt: at })).name, 'snap-20260304-235958-4');
  });

  it('records everything given, in state creating, then ready with the captured filesystems', () => {
    const input = newSnapshot({ alias: 'before deploy', tags: ['nightly', 'v2'], expiresAt: new Date('2026-04-01T00:00:00Z'), origin: 'schedule:7' });
    const reserved = test.store.reserveSnapshot(input);
    assert.equal(reserved.state, 'creating');
    assert.equal(reserved.containerName, 'web');
    assert.equal(reserved.sizeBytes, null);
    assert.deepEqual(reserved.filesystems, input.filesystems);
    const ready = test.store.markSnapshotReady(reserved.id, { sizeBytes: 4096, filesystems: input.filesystems.slice(0, 1) });
    // A record fetches its sealed config from the store when first read; read it before closing that store.
    assert.deepEqual(ready.config, input.config);
    test.reopen();
    const stored = test.store.getSnapshot(reserved.id);
    assert.deepEqual(stored, ready);
    assert.ok(stored);
    // `config` is a lazy getter on the record's prototype (core/lazy-snapshot-record.ts): compared as a plain object.
    assert.deepEqual({ ...stored, config: stored.config }, {
      id: reserved.id,
      containerId: CONTAINER_ID,
      containerName: 'web',
      projectId: 'default',
      name: 'snap-20260304-050607',
      alias: 'before deploy',
      createdAt: input.createdAt,
      expiresAt: input.expiresAt,
      lastUsedAt: null,
      state: 'ready',
      sizeBytes: 4096,
      tags: ['nightly', 'v2'],
      filesystems: input.filesystems.slice(0, 1),
      uncaptured: input.uncaptured,
      config: input.config,
      origin: 'schedule:7',
      error: null,
    });
    assert.throws(() => test.store.markSnapshotReady(reserved.id, { sizeBytes: 1, filesystems: [] }), { code: 'snapshot_state_conflict' });
  });

  it('tracks failure, deletion and usage on the row', () => {
    const a = test.store.reserveSnapshot(newSnapshot({ alias: 'x' }));
    test.store.markSnapshotFailed(a.id, 'btrfs: no space left');
    assert.deepEqual([test.store.getSnapshot(a.id)?.state, test.store.getSnapshot(a.id)?.error], ['failed', 'btrfs: no space left']);
    test.store.touchLastUsed(a.id, new Date('2026-05-01T10:00:00Z'));
    test.store.setSnapshotSize(a.id, 123);
    test.store.markSnapshotDeleting(a.id);
    const deleting = test.store.getSnapshot(a.id);
    assert.equal(deleting?.state, 'deleting');
    assert.equal(deleting.alias, null, 'a snapshot on its way out frees its alias');
    assert.deepEqual(deleting.lastUsedAt, new Date('2026-05-01T10:00:00Z'));
    assert.equal(deleting.sizeBytes, 123);
    assert.equal(deleting.filesystems.length, 2, 'filesystems stay known until the storage is gone');
    test.store.recordSnapshotError(a.id, null);
    assert.equal(test.store.getSnapshot(a.id)?.error, null);
    test.store.deleteSnapshotRecord(a.id);
    assert.equal(test.store.getSnapshot(a.id), undefined);
    assert.deepEqual(test.db.prepare('SELECT count(*) AS n FROM snapshot_filesystems WHERE snapshot_id = ?').get(a.id), { n: 0 });
    test.store.deleteSnapshotRecord(a.id); // idempotent
    const calls = [
      () => {
        test.store.touchLastUsed(a.id, new Date());
      },
      () => {
        test.store.markSnapshotDeleting(a.id);
      },
      () => test.store.updateSnapshotMeta(a.id, { tags: [] }),
    ];
    for (const call of calls) {
      assert.throws(call, { code: 'snapshot_not_found' });
    }
  });

  it('never hands out a record id twice (ids are part of storage snapshot names)', () => {
    const first = test.store.reserveSnapshot(newSnapshot());
    test.store.deleteSnapshotRecord(first.id);
    const second = test.store.reserveSnapshot(newSnapshot());
    assert.ok(second.id > first.id);
  });

  it('keeps aliases unique per container: reserve and update give alias_taken and change nothing', () => {
    const a = test.store.reserveSnapshot(newSnapshot({ alias: 'golden' }));
    const b = test.store.reserveSnapshot(newSnapshot({ alias: null }));
    assert.throws(() => test.store.reserveSnapshot(newSnapshot({ alias: 'golden' })), {
      name: 'ConflictError',
      code: 'alias_taken',
      statusCode: 409,
      message: `The alias "golden" is already used by snapshot ${a.name} of this container.`,
    });
    assert.equal(test.store.countSnapshots(CONTAINER_ID), 2, 'the refused snapshot was not recorded');
    assert.throws(() => test.store.updateSnapshotMeta(b.id, { alias: 'golden', tags: ['changed'] }), { code: 'alias_taken' });
    assert.deepEqual(test.store.getSnapshot(b.id)?.tags, [], 'a refused update changes nothing');
    // Same alias on another container, re-setting its own alias, and moving it after clearing: all fine.
    test.store.reserveSnapshot(newSnapshot({ containerId: OTHER_CONTAINER_ID, alias: 'golden' }));
    assert.equal(test.store.updateSnapshotMeta(a.id, { alias: 'golden' }).alias, 'golden');
    test.store.updateSnapshotMeta(a.id, { alias: null });
    assert.equal(test.store.updateSnapshotMeta(b.id, { alias: 'golden' }).alias, 'golden');
  });

  it('updates only the fields given: alias, expiry (or clears it), tags', () => {
    const s = test.store.reserveSnapshot(newSnapshot({ alias: 'a', tags: ['t'], expiresAt: new Date('2026-06-01T00:00:00Z') }));
    const onlyTags = test.store.updateSnapshotMeta(s.id, { tags: ['x', 'y'] });
    assert.deepEqual([onlyTags.alias, onlyTags.expiresAt, onlyTags.tags], ['a', new Date('2026-06-01T00:00:00Z'), ['x', 'y']]);
    const cleared = test.store.updateSnapshotMeta(s.id, { expiresAt: null, alias: null });
    assert.deepEqual([cleared.alias, cleared.expiresAt, cleared.tags], [null, null, ['x', 'y']]);
  });

  it('resolves a name first, then an alias', () => {
    const first = test.store.reserveSnapshot(newSnapshot({ createdAt: new Date('2026-01-01T00:00:00Z'), alias: 'snap-20260101-000001' }));
    const second = test.store.reserveSnapshot(newSnapshot({ createdAt: new Date('2026-01-01T00:00:01Z'), alias: 'prod' }));
    assert.equal(test.store.resolveSnapshot(CONTAINER_ID, 'prod')?.id, second.id);
    assert.equal(test.store.resolveSnapshot(CONTAINER_ID, 'snap-20260101-000001')?.id, second.id, 'the name wins over an alias');
    assert.equal(test.store.resolveSnapshot(CONTAINER_ID, first.name)?.id, first.id);
    assert.equal(test.store.resolveSnapshot(OTHER_CONTAINER_ID, 'prod'), undefined);
    assert.equal(test.store.resolveSnapshot(CONTAINER_ID, 'nope'), undefined);
  });

  it('lists newest first with limit/offset, filters and the total of all matches', () => {
    const base = Date.parse('2026-02-01T00:00:00Z');
    const origins = ['api', 'schedule:1', 'safety', 'schedule:2', 'api', 'api', 'schedule:1'] as const;
    const made = origins.map((origin, i) =>
      // Two pairs share a timestamp: the later id comes first.
      test.store.reserveSnapshot(newSnapshot({ origin, createdAt: new Date(base + Math.floor(i / 2) * 60_000), alias: i === 3 ? 'pinned' : null })),
    );
    for (const s of made.slice(0, 4)) test.store.markSnapshotReady(s.id, { sizeBytes: 1, filesystems: s.filesystems });
    test.store.reserveSnapshot(newSnapshot({ containerId: OTHER_CONTAINER_ID }));
    const ids = (q: Parameters<typeof test.store.listSnapshots>[1]): { ids: number[]; total: number } => {
      const { snapshots, total } = test.store.listSnapshots(CONTAINER_ID, q);
      return { ids: snapshots.map((s) => made.findIndex((m) => m.id === s.id)), total };
    };
    assert.deepEqual(ids({ limit: 100, offset: 0 }), { ids: [6, 5, 4, 3, 2, 1, 0], total: 7 });
    assert.deepEqual(ids({ limit: 3, offset: 0 }), { ids: [6, 5, 4], total: 7 });
    assert.deepEqual(ids({ limit: 3, offset: 3 }), { ids: [3, 2, 1], total: 7 });
    assert.deepEqual(ids({ limit: 3, offset: 6 }), { ids: [0], total: 7 });
    assert.deepEqual(ids({ limit: 3, offset: 9 }), { ids: [], total: 7 });
    assert.deepEqual(ids({ limit: 10, offset: 0, origin: 'schedule' }), { ids: [6, 3, 1], total: 3 });
    assert.deepEqual(ids({ limit: 10, offset: 0, origin: 'schedule:1' }), { ids: [6, 1], total: 2 });
    assert.deepEqual(ids({ limit: 10, offset: 0, origin: 'api' }), { ids: [5, 4, 0], total: 3 });
    assert.deepEqual(ids({ limit: 10, offset: 0, state: 'ready' }), { ids: [3, 2, 1, 0], total: 4 });
    assert.deepEqual(ids({ limit: 1, offset: 0, state: 'creating', origin: 'api' }), { ids: [5], total: 2 });
    assert.deepEqual(ids({ limit: 10, offset: 0, alias: 'pinned' }), { ids: [3], total: 1 });
    assert.equal(test.store.countSnapshots(CONTAINER_ID), 7);
    assert.throws(() => test.store.listSnapshots(CONTAINER_ID, { limit: -1, offset: 0 }), /limit must be a whole number >= 0, got -1/);
    assert.throws(() => test.store.listSnapshots(CONTAINER_ID, { limit: 1, offset: 0.5 }), /offset must be a whole number/);
    assert.equal(test.store.listAllSnapshots().length, 8);
  });

  it('reads back every text exactly (rows come from SQLite as one JSON array each)', () => {
    const odd = 'q"uote \\back\tslash\nnew line \u0001 ünï 🐳 </script>';
    const input = newSnapshot({
      alias: odd,
      tags: [odd, ''],
      filesystems: [{ role: 'rootfs', mountPoint: '/', driver: 'btrfs', pool: odd, dataset: `/pool/${odd}` }],
      uncaptured: [{ role: 'mount', mountPoint: odd, source: odd, reason: odd }],
      expiresAt: new Date(Date.UTC(2026, 5, 1, 2, 3, 4, 567)),
    });
    const reserved = test.store.reserveSnapshot(input);
    test.store.recordSnapshotError(reserved.id, odd);
    test.store.setSnapshotSize(reserved.id, Number.MAX_SAFE_INTEGER);
    const [listed] = test.store.listSnapshots(CONTAINER_ID, { limit: 1, offset: 0 }).snapshots;
    for (const read of [listed, test.store.getSnapshot(reserved.id), test.store.resolveSnapshot(CONTAINER_ID, odd)]) {
      assert.ok(read);
      assert.deepEqual(
        [read.alias, read.tags, read.filesystems, read.uncaptured, read.error, read.sizeBytes, read.createdAt, read.expiresAt],
        [odd, [odd, ''], input.filesystems, input.uncaptured, odd, Number.MAX_SAFE_INTEGER, input.createdAt, input.expiresAt],
      );
    }
  });
});
