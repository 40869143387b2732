import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { SnapshotRecord } from '../../src/core/model.js';
import { SnapshotTotals } from '../../src/store/snapshot-totals.js';
import { createTestStore, newSnapshot, withContainer } from './store-fixture.js';

/** What /metrics computed before, row by row in JavaScript: the reference the SQL must agree with. */
function totalsByHand(snapshots: readonly SnapshotRecord[]): Map<string, { snapshots: number; bytes: number }> {
  const out = new Map<string, { snapshots: number; bytes: number }>();
  for (const snapshot of snapshots) {
    for (const pool of new Set(snapshot.filesystems.map((f) => f.pool))) {
      const key = `${pool}/${snapshot.state}`;
      const entry = out.get(key) ?? { snapshots: 0, bytes: 0 };
      entry.snapshots += 1;
      if (pool === snapshot.filesystems[0]?.pool) entry.bytes += snapshot.sizeBytes ?? 0;
      out.set(key, entry);
    }
  }
  return out;
}

describe('store: snapshot totals per pool and state (the /metrics figures)', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('agrees with a row-by-row count, and sums 10,000 snapshots without reading them', () => {
    const store = withContainer(test);
    const states = ['ready', 'ready', 'failed', 'creating', 'deleting'] as const;
    const layouts = [
      [{ role: 'rootfs', mountPoint: '/', driver: 'btrfs', pool: 'main', dataset: '/p/a' }],
      [
        { role: 'rootfs', mountPoint: '/', driver: 'btrfs', pool: 'main', dataset: '/p/a' },
        { role: 'mount', mountPoint: '/data', driver: 'zfs', pool: 'tank', dataset: 'tank/d' },
      ],
      [
        { role: 'rootfs', mountPoint: '/', driver: 'zfs', pool: 'tank', dataset: 'tank/r' },
        { role: 'mount', mountPoint: '/a', driver: 'btrfs', pool: 'main', dataset: '/p/b' },
        { role: 'mount', mountPoint: '/b', driver: 'zfs', pool: 'tank', dataset: 'tank/e' },
      ],
    ] as const;
    test.db.transaction(() => {
      for (let i = 0; i < 10_000; i += 1) {
        const reserved = store.reserveSnapshot(
          newSnapshot({ createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000), filesystems: (layouts[i % 3] ?? layouts[0]).map((f) => ({ ...f })) }),
        );
        const state = states[i % states.length];
        if (state === 'ready') store.markSnapshotReady(reserved.id, { sizeBytes: i % 7 === 0 ? null : i * 10, filesystems: reserved.filesystems });
        if (state === 'failed') store.markSnapshotFailed(reserved.id, 'boom');
        if (state === 'deleting') {
          store.markSnapshotReady(reserved.id, { sizeBytes: 5, filesystems: reserved.filesystems });
          store.markSnapshotDeleting(reserved.id);
        }
      }
    })();

    const totals = new SnapshotTotals(test.db);
    let ms = Infinity;
    let fromSql = totals.byPoolAndState();
    for (let run = 0; run < 5; run += 1) {
      const started = process.hrtime.bigint();
      fromSql = totals.byPoolAndState();
      ms = Math.min(ms, Number(process.hrtime.bigint() - started) / 1e6);
    }
    const expected = totalsByHand(store.listAllSnapshots());
    assert.deepEqual(new Map(fromSql.map((t) => [`${t.pool}/${t.state}`, { snapshots: t.snapshots, bytes: t.bytes }])), expected);
    console.log(`# snapshot totals over 10,000 snapshots: ${ms.toFixed(1)} ms (best of 5)`);
  });
});
