import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import type { SnapshotRecord } from '../../src/core/model.js';
import { SnapshotSizeRefresh } from '../../src/core/snapshot-size-refresh.js';

function snapshot(id: number, sizeBytes: number | null, state: SnapshotRecord['state'] = 'ready'): SnapshotRecord {
  return { id, name: `snap-${String(id)}`, state, sizeBytes, filesystems: [] } as unknown as SnapshotRecord;
}

function setup(measured: () => number | undefined, options: { commitsWithoutFsync?: <T>(body: () => T) => T; onWrite?: () => void } = {}) {
  const { commitsWithoutFsync, onWrite } = options;
  const clock = new ManualClock('2026-05-01T00:00:00Z');
  const rows = new Map<number, SnapshotRecord>([[1, snapshot(1, null)], [2, snapshot(2, 10, 'deleting')]]);
  let measurements = 0;
  const refresh = new SnapshotSizeRefresh({
    store: {
      getSnapshot: (id) => rows.get(id),
      setSnapshotSize: (id, size) => {
        onWrite?.();
        const row = rows.get(id);
        if (row !== undefined) rows.set(id, { ...row, sizeBytes: size });
      },
    },
    sizes: {
      exclusiveBytes: () => {
        measurements += 1;
        return Promise.resolve(measured());
      },
    },
    clock,
    freshMs: 30_000,
    ...(commitsWithoutFsync !== undefined && { commitsWithoutFsync }),
  });
  return { clock, rows, refresh, count: () => measurements };
}

describe('SnapshotSizeRefresh: sizes measured off the request path', () => {
  it('fills in the size of a new snapshot in the background', async () => {
    const t = setup(() => 4096);
    t.refresh.measureSoon(1);
    await t.refresh.idle();
    assert.equal(t.rows.get(1)?.sizeBytes, 4096);
  });

  it('writes a measured size without an fsync of its own (measured again after any restart)', async () => {
    let relaxed = false;
    const writes: boolean[] = [];
    const commitsWithoutFsync = <T>(body: () => T): T => {
      relaxed = true;
      try {
        return body();
      } finally {
        relaxed = false;
      }
    };
    const t = setup(() => 4096, { commitsWithoutFsync, onWrite: () => writes.push(relaxed) });
    t.refresh.measureSoon(1);
    await t.refresh.idle();
    assert.equal(t.rows.get(1)?.sizeBytes, 4096);
    assert.deepEqual(writes, [true]);
  });

  it('a burst of reads of a stale size costs one measurement; a fresh size costs none until it ages', async () => {
    const t = setup(() => 4096);
    for (let i = 0; i < 100; i += 1) t.refresh.readSize(t.rows.get(1) as SnapshotRecord);
    await t.refresh.idle();
    assert.equal(t.count(), 1);
    t.refresh.readSize(t.rows.get(1) as SnapshotRecord);
    await t.refresh.idle();
    assert.equal(t.count(), 1, 'fresh: not measured again');
    t.clock.advance(30_000);
    t.refresh.readSize(t.rows.get(1) as SnapshotRecord);
    await t.refresh.idle();
    assert.equal(t.count(), 2, 'stale after freshMs: measured again');
  });

  it('leaves snapshots that are not ready alone, and keeps the recorded size while a pool is down', async () => {
    const t = setup(() => undefined);
    t.refresh.readSize(t.rows.get(2) as SnapshotRecord);
    t.refresh.measureSoon(2);
    await t.refresh.idle();
    assert.equal(t.count(), 0);
    assert.equal(t.rows.get(2)?.sizeBytes, 10);
    t.rows.set(1, snapshot(1, 77));
    t.refresh.measureSoon(1);
    await t.refresh.idle();
    assert.equal(t.rows.get(1)?.sizeBytes, 77, 'unknown now: the recorded size stays');
    t.refresh.readSize(t.rows.get(1) as SnapshotRecord);
    await t.refresh.idle();
    assert.equal(t.count(), 2, 'not counted as measured: the next read asks again');
  });
});
