/**
 * The reaper on a real SQLite store, with a storage driver faked where the point is a failure or the
 * number of deletes in flight (the real-storage proof is test/e2e/reaper.test.ts).
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { ContainerLocks } from '../../src/core/container-lock.js';
import { PoolRegistry } from '../../src/core/pool-registry.js';
import { Reaper, type ReaperOptions } from '../../src/core/reaper.js';
import { SnapshotDeleter } from '../../src/core/snapshot-deleter.js';
import { ReaperQueries, REAPABLE_SQL } from '../../src/store/reaper-queries.js';
import { ScheduleStore } from '../../src/store/schedule-store.js';
import { CONTAINER_ID, createTestStore, newSnapshot, OTHER_CONTAINER_ID, withContainer } from '../store/store-fixture.js';

const DAY = 86_400_000;

/** Only destroySnapshot is used by the deleter; it records calls and fails for chosen names. */
class FakeDriver {
  readonly destroyed: string[] = [];
  failing = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;
  async destroySnapshot(_dataset: string, name: string): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.inFlight -= 1;
    if ([...this.failing].some((f) => name.includes(f))) throw new Error(`ERROR: cannot delete ${name}: Operation not permitted`);
    this.destroyed.push(name);
  }
}

describe('reaper', () => {
  const test = createTestStore();
  after(() => test.destroy());
  let driver: FakeDriver;
  let locks: ContainerLocks;

  beforeEach(() => {
    test.db.exec('DELETE FROM schedules; DELETE FROM snapshots;');
    driver = new FakeDriver();
    locks = new ContainerLocks(0);
    test.clock.set('2026-03-01T00:00:00Z');
  });

  function reaper(options: ReaperOptions = {}): Reaper {
    const pools = new PoolRegistry([
      { id: 'main', driver: driver as unknown as StorageDriver },
      { id: 'tank', driver: driver as unknown as StorageDriver },
    ]);
    const deleter = new SnapshotDeleter(test.store, pools);
    return new Reaper({ reaperStore: new ReaperQueries(test.db), store: test.store, deleter, locks, clock: test.clock }, options);
  }

  function make(expiresInDays: number | null, options: { container?: string; origin?: `schedule:${string}` | 'api'; createdAt?: Date } = {}): number {
    const store = withContainer(test, options.container ?? CONTAINER_ID);
    const now = test.clock.now();
    const s = store.reserveSnapshot(
      newSnapshot({
        containerId: options.container ?? CONTAINER_ID,
        createdAt: options.createdAt ?? now,
        expiresAt: expiresInDays === null ? null : new Date(now.getTime() + expiresInDays * DAY),
        origin: options.origin ?? 'api',
      }),
    );
    store.markSnapshotReady(s.id, { sizeBytes: 0, filesystems: s.filesystems });
    return s.id;
  }

  const exists = (id: number): boolean => test.store.getSnapshot(id) !== undefined;

  it('deletes what expired (storage on every filesystem, then the record) and leaves the rest', async () => {
    const expired = make(1);
    const permanent = make(null);
    const later = make(5);
    test.clock.advance(2 * DAY);
    const report = await reaper().reap();
    assert.deepEqual(report, { deleted: 1, failed: [], skippedBusy: 0 });
    assert.equal(exists(expired), false);
    assert.equal(driver.destroyed.length, 2, 'rootfs and the mount');
    assert.ok(exists(permanent) && exists(later));
    assert.deepEqual(test.store.listUnfinishedOperations(), []);
  });

  it('defect-11 keeps going past a failing delete, shows a sentence and code (not stderr) as its error, and retries it with a growing backoff', async () => {
    const ids = [make(1), make(1), make(1)];
    const stuck = ids[1] ?? 0;
    driver.failing.add(`.cs${stuck}`);
    test.clock.advance(2 * DAY);
    const r = reaper({ baseBackoffMs: 60_000 });

    const first = await r.reap();
    assert.equal(first.deleted, 2);
    assert.deepEqual(first.failed.map((f) => f.id), [stuck]);
    const snapshot = test.store.getSnapshot(stuck);
    assert.equal(snapshot?.state, 'deleting');
    assert.match(snapshot.error ?? '', /delete failed: .*\(internal_error\)/);
    assert.doesNotMatch(snapshot.error ?? '', /Operation not permitted|\.cs\d/, 'what the driver said stays in the log');
    assert.match(first.failed[0]?.error ?? '', /Operation not permitted/, 'the run report (logged) keeps it');

    // Waiting out the backoff: not tried again before it ends.
    assert.equal((await r.reap()).failed.length, 0);
    test.clock.advance(60_000);
    assert.equal((await r.reap()).failed.length, 1, 'retried after 1 min');
    test.clock.advance(60_000);
    assert.equal((await r.reap()).failed.length, 0, 'second backoff is 2 min');
    test.clock.advance(60_000);
    driver.failing.clear();
    assert.equal((await r.reap()).deleted, 1);
    assert.equal(exists(stuck), false);
  });

  it('finishes a snapshot a crashed run left `deleting`', async () => {
    const id = make(1);
    test.clock.advance(2 * DAY);
    test.store.markSnapshotDeleting(id); // the crash: marked, storage still there
    assert.equal((await reaper().reap()).deleted, 1);
    assert.equal(exists(id), false);
    assert.equal(driver.destroyed.length, 2);
  });

  it('skips a container an operation holds, without waiting, and reaps the other containers', async () => {
    const held = make(1);
    const other = make(1, { container: OTHER_CONTAINER_ID });
    test.clock.advance(2 * DAY);
    let release: () => void = () => undefined;
    const restore = locks.run(CONTAINER_ID, 'restore', () => new Promise<void>((resolve) => (release = resolve)));
    const report = await reaper().reap();
    assert.deepEqual([report.deleted, report.skippedBusy], [1, 1]);
    assert.ok(exists(held));
    assert.equal(exists(other), false);
    release();
    await restore;
    assert.equal((await reaper().reap()).deleted, 1);
    assert.equal(exists(held), false);
  });

  it("never deletes a schedule's newest keep_min ready snapshots; without the schedule they go", async () => {
    const schedules = new ScheduleStore(test.db);
    withContainer(test);
    const schedule = schedules.createSchedule({
      containerId: CONTAINER_ID, cron: '@daily', timezone: 'UTC', aliasTemplate: null, expiryDays: 1, quiesce: 'none',
      keepMin: 2, paused: false, lastSlot: null, createdAt: test.clock.now(),
    });
    const origin = `schedule:${schedule.id}` as const;
    const ids: number[] = [];
    for (let day = 0; day < 5; day += 1) {
      ids.push(make(1, { origin }));
      test.clock.advance(DAY);
    }
    const manual = make(1);
    test.clock.advance(10 * DAY);
    assert.equal((await reaper().reap()).deleted, 4, 'three of the schedule and the manual one');
    assert.deepEqual(ids.filter(exists), ids.slice(3));
    assert.equal(exists(manual), false);

    schedules.deleteSchedule(schedule.id);
    assert.equal((await reaper().reap()).deleted, 2);
  });

  it('runs at most `concurrency` deletes at once and walks past a full batch of skipped rows', async () => {
    for (let i = 0; i < 12; i += 1) make(1, { container: OTHER_CONTAINER_ID });
    const busyOnes = Array.from({ length: 5 }, () => make(1));
    test.clock.advance(2 * DAY);
    // Reap after the busy container's snapshots expired first, so the first batches are all skipped.
    test.db.prepare('UPDATE snapshots SET expires_at = expires_at - 1000 WHERE container_id = ?').run(CONTAINER_ID);
    let release: () => void = () => undefined;
    const copy = locks.run(CONTAINER_ID, 'copy', () => new Promise<void>((resolve) => (release = resolve)));
    const report = await reaper({ concurrency: 3, batchSize: 4 }).reap();
    release();
    await copy;
    assert.deepEqual([report.deleted, report.skippedBusy], [12, 5]);
    assert.ok(busyOnes.every(exists));
    assert.ok(driver.maxInFlight <= 3 && driver.maxInFlight >= 2, `max in flight ${driver.maxInFlight}`);
  });

  it('asks again just before deleting: a snapshot made permanent or newly under keep_min is left alone', () => {
    const queries = new ReaperQueries(test.db);
    const schedules = new ScheduleStore(test.db);
    withContainer(test);
    const schedule = schedules.createSchedule({
      containerId: CONTAINER_ID, cron: '@daily', timezone: 'UTC', aliasTemplate: null, expiryDays: 1, quiesce: 'none',
      keepMin: 1, paused: false, lastSlot: null, createdAt: test.clock.now(),
    });
    const older = make(1, { origin: `schedule:${schedule.id}` });
    test.clock.advance(1000);
    const newer = make(1, { origin: `schedule:${schedule.id}` });
    const manual = make(1);
    test.clock.advance(2 * DAY);
    assert.deepEqual(queries.listReapable(test.clock.now(), 10).map((c) => c.id), [older, manual]);
    test.store.updateSnapshotMeta(manual, { expiresAt: null });
    test.store.deleteSnapshotRecord(newer);
    assert.equal(queries.isReapable(manual, test.clock.now()), false);
    assert.equal(queries.isReapable(older, test.clock.now()), false, 'now the newest of its schedule');
  });

  it('keep_min orders snapshots made in the same millisecond by id', async () => {
    const schedules = new ScheduleStore(test.db);
    withContainer(test);
    const schedule = schedules.createSchedule({
      containerId: CONTAINER_ID, cron: '@daily', timezone: 'UTC', aliasTemplate: null, expiryDays: 1, quiesce: 'none',
      keepMin: 1, paused: false, lastSlot: null, createdAt: test.clock.now(),
    });
    const origin = `schedule:${schedule.id}` as const;
    const [first, second] = [make(1, { origin }), make(1, { origin })];
    test.clock.advance(2 * DAY);
    assert.equal((await reaper().reap()).deleted, 1);
    assert.deepEqual([exists(first), exists(second)], [false, true]);
  });

  it('reads the expires_at index, not the whole table', () => {
    const plan = test.db.prepare(`EXPLAIN QUERY PLAN ${REAPABLE_SQL}`).all({ now: 0, afterExpiresAt: 0, afterId: 0, limit: 1 }) as { detail: string }[];
    const details = plan.map((row) => row.detail).join('\n');
    assert.match(details, /SEARCH s USING INDEX snapshots_expires_at/);
    assert.match(details, /SEARCH sc USING INTEGER PRIMARY KEY/);
    assert.match(details, /SEARCH n USING INDEX snapshots_origin_created/);
    assert.doesNotMatch(details, /SCAN/);
  });
});
