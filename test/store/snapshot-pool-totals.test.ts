/**
 * The snapshot totals /metrics reads are kept by triggers, not recounted per scrape: they must equal a
 * full recount (POOL_TOTALS_SQL) after an upgrade from the schema before them, after every create,
 * size change, state change, filesystem rewrite and delete the store makes, after the reaper deletes expired
 * snapshots (some deletes failing half-way), and after the store is closed and opened again (a restart).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { CapturedFilesystem } from '../../src/core/model.js';
import { ManualClock } from '../../src/core/clock.js';
import { ContainerLocks } from '../../src/core/container-lock.js';
import { PoolRegistry } from '../../src/core/pool-registry.js';
import { Reaper } from '../../src/core/reaper.js';
import { SnapshotDeleter } from '../../src/core/snapshot-deleter.js';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { migrate, MIGRATIONS, userVersion } from '../../src/store/migrations.js';
import { ReaperQueries } from '../../src/store/reaper-queries.js';
import { loadOrCreateKey, SecretBox } from '../../src/store/secret-box.js';
import { SnapshotStore } from '../../src/store/snapshot-store.js';
import { POOL_TOTALS_SQL, SnapshotTotals } from '../../src/store/snapshot-totals.js';
import { scratchDir } from '../support/scratch.js';
import { CONTAINER_ID, createTestStore, newSnapshot, withContainer, type TestStore } from './store-fixture.js';

type Totals = Map<string, { snapshots: number; bytes: number }>;

function keyed(rows: readonly { pool: string; state: string; snapshots: number; bytes: number }[]): Totals {
  return new Map(rows.map((r) => [`${r.pool}/${r.state}`, { snapshots: r.snapshots, bytes: r.bytes }]));
}

function recount(db: BetterSqlite3.Database): Totals {
  return keyed(db.prepare<[], { pool: string; state: string; snapshots: number; bytes: number }>(POOL_TOTALS_SQL).all());
}

const fs = (pool: string, mountPoint: string, role: 'rootfs' | 'mount' = 'mount'): CapturedFilesystem => ({
  role,
  mountPoint,
  driver: pool === 'tank' ? 'zfs' : 'btrfs',
  pool,
  dataset: `${pool}${mountPoint}`,
});

/** Layouts with one pool, two pools, and the same pool twice (counted once). */
const LAYOUTS: readonly CapturedFilesystem[][] = [
  [fs('main', '/', 'rootfs')],
  [fs('main', '/', 'rootfs'), fs('tank', '/data')],
  [fs('tank', '/', 'rootfs'), fs('main', '/a'), fs('tank', '/b')],
  [fs('other', '/', 'rootfs'), fs('other', '/x')],
];

const TOTALS_DESCRIPTION = 'snapshot totals per pool and state';

describe('store: snapshot totals kept by triggers', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('stay equal to a full recount through creates, size refreshes, failures, filesystem rewrites and deletes', () => {
    const store = withContainer(test);
    const totals = new SnapshotTotals(test.db);
    const check = (step: string): void => {
      assert.deepEqual(keyed(totals.byPoolAndState()), recount(test.db), step);
    };
    const ids: number[] = [];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor(seed / 65536) % n; // the low bits of this generator cycle quickly
    };
    for (let i = 0; i < 300; i += 1) {
      const layout = (LAYOUTS[next(LAYOUTS.length)] ?? []).map((f) => ({ ...f }));
      const reserved = store.reserveSnapshot(newSnapshot({ createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000), filesystems: layout }));
      check(`reserve ${String(i)}`);
      ids.push(reserved.id);
      const action = next(10);
      if (action < 6) {
        // Ready with fewer filesystems than reserved sometimes (a mount that was not captured after all).
        const captured = next(3) === 0 ? layout.slice(0, 1) : layout;
        store.markSnapshotReady(reserved.id, { sizeBytes: next(4) === 0 ? null : next(1_000_000), filesystems: captured });
        check(`ready ${String(i)}`);
        // The background size refresh: a new figure, the same one, then unknown again.
        store.setSnapshotSize(reserved.id, next(1_000_000));
        store.setSnapshotSize(reserved.id, next(2) === 0 ? null : 5);
        check(`size ${String(i)}`);
      } else if (action < 8) {
        store.markSnapshotFailed(reserved.id, 'boom');
        check(`failed ${String(i)}`);
      }
      if (next(4) === 0) {
        const victim = ids.splice(next(ids.length), 1)[0] ?? reserved.id;
        const record = store.getSnapshot(victim);
        if (record?.state === 'ready') {
          store.markSnapshotDeleting(victim);
          check(`deleting ${String(i)}`);
        }
        store.deleteSnapshotRecord(victim);
        check(`delete ${String(i)}`);
      }
    }
    assert.ok(totals.byPoolAndState().length >= 6, 'several pools and states were exercised');
    // Rows changed by hand (an operator's SQL, a future code path) are followed too.
    test.db.prepare("UPDATE snapshot_filesystems SET pool = 'moved' WHERE position = 1").run();
    check('filesystems moved to another pool');
    test.db.prepare('DELETE FROM snapshot_filesystems WHERE position = 0').run();
    check('first filesystems removed');
    test.db.prepare('DELETE FROM snapshots').run();
    check('everything deleted');
    assert.deepEqual(totals.byPoolAndState(), []);
  });

  it('stay equal to a recount after the reaper deletes expired snapshots, and after a restart', async () => {
    const reaped = createTestStore();
    try {
      const store = withContainer(reaped);
      const check = (step: string, test: TestStore = reaped): void => {
        assert.deepEqual(keyed(new SnapshotTotals(test.db).byPoolAndState()), recount(test.db), step);
      };
      const start = reaped.clock.now().getTime();
      for (let i = 0; i < 120; i += 1) {
        const layout = (LAYOUTS[i % LAYOUTS.length] ?? []).map((f) => ({ ...f }));
        // A third never expires, the rest expire one minute apart from a minute from now.
        const expiresAt = i % 3 === 0 ? null : new Date(start + 60_000 * (1 + (i % 40)));
        const reserved = store.reserveSnapshot(newSnapshot({ createdAt: new Date(start - 1000 * (120 - i)), expiresAt, filesystems: layout }));
        if (i % 5 === 4) store.markSnapshotFailed(reserved.id, 'boom', new Date(start + 30_000));
        else store.markSnapshotReady(reserved.id, { sizeBytes: i % 7 === 0 ? null : 1000 * (i + 1), filesystems: layout });
      }
      check('seeded');
      // The storage of snapshots on pool 'other' cannot be removed yet: their deletes fail half-way and stay `deleting`.
      let otherFails = true;
      const driver = (pool: string): StorageDriver =>
        ({ destroySnapshot: () => (pool === 'other' && otherFails ? Promise.reject(new Error('device busy')) : Promise.resolve()) }) as unknown as StorageDriver;
      const pools = new PoolRegistry(['main', 'tank', 'other'].map((id) => ({ id, driver: driver(id) })));
      const clock = new ManualClock(reaped.clock.now().toISOString());
      const reaperFor = (test: TestStore): Reaper =>
        new Reaper({ reaperStore: new ReaperQueries(test.db), store: test.store, deleter: new SnapshotDeleter(test.store, pools), locks: new ContainerLocks(0), clock }, { baseBackoffMs: 0, maxBackoffMs: 0 });
      const countOf = (test: TestStore): number => (test.db.prepare('SELECT count(*) AS n FROM snapshots').get() as { n: number }).n;

      let reaper = reaperFor(reaped);
      assert.equal((await reaper.reap()).deleted, 0, 'nothing is due yet');
      check('nothing due');
      clock.advance(31_000); // the failed ones' expiry
      const failedReap = await reaper.reap();
      assert.ok(failedReap.deleted > 0 && failedReap.failed.length > 0, JSON.stringify(failedReap));
      check('failed snapshots reaped, some deletes failing');
      clock.advance(20 * 60_000);
      await reaper.reap();
      check('half the ready ones reaped');
      const beforeRestart = recount(reaped.db);
      assert.ok([...beforeRestart.keys()].some((key) => key.endsWith('/deleting')), 'a delete that failed left a deleting snapshot');

      reaped.reopen();
      check('after a restart');
      assert.deepEqual(recount(reaped.db), beforeRestart, 'the restart changed no snapshot');
      otherFails = false;
      clock.advance(30 * 60_000);
      reaper = reaperFor(reaped);
      await reaper.reap();
      check('everything due reaped after the restart');
      // Failed snapshots expire too (their cap), so only the ready ones without an expiry stay: i % 3 = 0, i % 5 ≠ 4.
      assert.equal(countOf(reaped), 32, 'only the 32 ready snapshots that never expire are left');
      reaped.reopen();
      check('after a second restart');
    } finally {
      await reaped.destroy();
    }
  });

  it('are computed right by the upgrade from the schema before them', () => {
    const dir = scratchDir('totals-migration');
    const path = join(dir, 'cowsnap.db');
    const totalsAt = MIGRATIONS.findIndex((m) => m.description.startsWith(TOTALS_DESCRIPTION));
    assert.ok(totalsAt > 0);
    const db = new BetterSqlite3(path);
    try {
      db.pragma('foreign_keys = ON');
      migrate(db, MIGRATIONS.slice(0, totalsAt));
      const at = Date.parse('2026-03-01T00:00:00Z');
      db.prepare("INSERT INTO containers (id, name, image, first_seen_at, last_seen_at, removed_at, project_id) VALUES (?, 'web', 'busybox', ?, ?, NULL, 'default')").run(CONTAINER_ID, at, at);
      const snapshots = new SnapshotStore(db, new SecretBox(loadOrCreateKey(join(dir, 'secret.key'))));
      for (let i = 0; i < 40; i += 1) {
        const reserved = snapshots.reserveSnapshot(newSnapshot({ createdAt: new Date(at + i * 1000), filesystems: (LAYOUTS[i % LAYOUTS.length] ?? []).map((f) => ({ ...f })) }));
        if (i % 3 === 0) snapshots.markSnapshotReady(reserved.id, { sizeBytes: i * 100, filesystems: reserved.filesystems });
        if (i % 3 === 1) snapshots.markSnapshotFailed(reserved.id, 'boom');
      }
      const before = recount(db);
      migrate(db);
      assert.equal(userVersion(db), MIGRATIONS.length);
      assert.deepEqual(keyed(new SnapshotTotals(db).byPoolAndState()), before);
      assert.ok(before.size >= 6);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
