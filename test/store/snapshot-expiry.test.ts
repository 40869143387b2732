import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EXPIRED_SQL } from '../../src/store/snapshot-queries.js';
import { createTestStore, newSnapshot, withContainer } from './store-fixture.js';

describe('store: expired snapshots (the reaper query)', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('returns ready and failed snapshots expired at or before now, soonest first, up to the limit', () => {
    const store = withContainer(test);
    const day = (d: number): Date => new Date(Date.UTC(2026, 0, d));
    let minute = 0;
    const make = (expiresAt: Date | null, state: 'ready' | 'failed' | 'creating' | 'deleting' = 'ready'): number => {
      const s = store.reserveSnapshot(newSnapshot({ expiresAt, createdAt: new Date(Date.UTC(2025, 11, 1) + (minute += 1) * 60_000) }));
      if (state === 'ready') store.markSnapshotReady(s.id, { sizeBytes: 0, filesystems: s.filesystems });
      if (state === 'failed') store.markSnapshotFailed(s.id, 'boom');
      if (state === 'deleting') store.markSnapshotDeleting(s.id);
      return s.id;
    };
    const late = make(day(9));
    const early = make(day(3));
    const failed = make(day(5), 'failed');
    const exactlyNow = make(day(10));
    make(null); // permanent
    make(day(11)); // not yet
    make(day(2), 'creating'); // a create in progress is not the reaper's
    make(day(2), 'deleting'); // nor is a delete in progress

    const ids = (limit: number): number[] => store.listExpired(day(10), limit).map((s) => s.id);
    assert.deepEqual(ids(100), [early, failed, late, exactlyNow]);
    assert.deepEqual(ids(2), [early, failed]);
    assert.deepEqual(store.listExpired(day(1), 100), []);
  });

  it('uses the expires_at index, never a scan of the table', () => {
    const plan = test.db.prepare(`EXPLAIN QUERY PLAN ${EXPIRED_SQL}`).all(Date.now(), 10) as { detail: string }[];
    const details = plan.map((row) => row.detail).join('\n');
    assert.match(details, /SEARCH snapshots USING INDEX snapshots_expires_at \([^)]*expires_at<\?\)/);
    assert.doesNotMatch(details, /SCAN snapshots/);
  });
});
