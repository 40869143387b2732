/**
 * Scheduled replication and remote retention on a real SQLite store, the real ReplicaService, in-memory
 * send drivers and a fake remote: full_every, remote expiry in the manifest, catch-up, a gone local
 * parent, chains kept intact by the remote reaper, and bucket listings only when something is deleted.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { RemoteRegistry } from '../../src/core/remote-registry.js';
import { RemoteReaper } from '../../src/core/remote-reaper.js';
import type { ReplicaIntent } from '../../src/core/replica.js';
import { ScheduleReplication } from '../../src/core/schedule-replication-runner.js';
import { ScheduleService } from '../../src/core/schedule-service.js';
import { ValidationError } from '../../src/errors/validation-error.js';
import { ReplicationQueries } from '../../src/store/replication-queries.js';
import { ScheduleStore } from '../../src/store/schedule-store.js';
import { CONTAINER_ID, createTestStore, newSnapshot, withContainer, type TestStore } from '../store/store-fixture.js';
import { harness, type Harness } from '../core/replica-harness.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:30Z');
const dayAt = (d: number): Date => new Date(T0 + d * DAY);
const logger = pino({ level: 'silent' });

describe('scheduled replication and remote retention', () => {
  let test: TestStore;
  let h: Harness;
  let schedules: ScheduleStore;
  let queries: ReplicationQueries;
  let replication: ScheduleReplication;
  let reaper: RemoteReaper;
  let listings: number;

  beforeEach(() => {
    test = createTestStore();
    withContainer(test);
    h = harness(test);
    schedules = new ScheduleStore(test.db);
    queries = new ReplicationQueries(test.db);
    replication = new ScheduleReplication({ queries, replicas: h.service, clock: test.clock, logger });
    const list = h.remote.listManifests.bind(h.remote);
    listings = 0;
    h.remote.listManifests = (query) => {
      listings += 1;
      return list(query);
    };
    reaper = new RemoteReaper({ queries, replicas: h.replicas, remotes: new RemoteRegistry([h.remote]), clock: test.clock, logger });
  });
  afterEach(async () => {
    await test.destroy();
  });

  function schedule(replicate: { expiryDays: number | null; fullEvery: number | null }, keepMin = 1): number {
    return schedules.createSchedule({
      containerId: CONTAINER_ID,
      cron: '@daily',
      timezone: 'UTC',
      aliasTemplate: null,
      expiryDays: 7,
      quiesce: 'none',
      keepMin,
      paused: false,
      lastSlot: null,
      replicate: { remote: 'offsite', ...replicate, since: dayAt(0) },
      createdAt: dayAt(0),
    }).id;
  }

  /** What a scheduled run makes on day d: a ready snapshot with the schedule's origin. */
  function scheduledSnapshot(scheduleId: number, d: number): string {
    test.clock.set(dayAt(d));
    const reserved = test.store.reserveSnapshot(newSnapshot({ createdAt: dayAt(d), origin: `schedule:${String(scheduleId)}`, alias: `day-${String(d)}` }));
    return test.store.markSnapshotReady(reserved.id, { sizeBytes: 1, filesystems: reserved.filesystems }).name;
  }

  async function day(scheduleId: number, d: number): Promise<string> {
    const name = scheduledSnapshot(scheduleId, d);
    await replication.replicateDue();
    await h.service.idle();
    await reaper.reap();
    return name;
  }

  function replicaOf(name: string): ReturnType<typeof h.replicas.getReplica> {
    return h.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: name, remoteId: 'offsite' });
  }

  it('pushes each snapshot with its remote expiry; every full_every-th is full; the reaper keeps exactly the live chains', async () => {
    const id = schedule({ expiryDays: 5, fullEvery: 4 });
    const names: string[] = [];
    for (let d = 1; d <= 12; d += 1) names.push(await day(id, d));

    const parents = names.map((name) => replicaOf(name)?.parentSnapshot ?? null);
    // Days 1..4 were pushed and then expired; days 5..12 remain with their parents.
    assert.deepEqual(parents.slice(4), [null, names[4], names[5], names[6], null, names[8], names[9], names[10]]);
    const manifest = await h.remote.getManifest(CONTAINER_ID, names[11] ?? '');
    assert.equal(manifest?.expiresAt, new Date(dayAt(12).getTime() + 5 * DAY).toISOString());

    const inRemote = [...h.remote.manifests.values()].map((m) => m.snapshotName).sort();
    assert.deepEqual(inRemote, names.slice(4), 'days 1-4 expired and nothing depends on them; 5-7 are the base of day 8');
    assert.deepEqual([5, 6, 7].map((d) => replicaOf(names[d - 1] ?? '')?.keptBecause), [`parent of ${names[5] ?? ''}`, `parent of ${names[6] ?? ''}`, `parent of ${names[7] ?? ''}`]);
    assert.equal(replicaOf(names[7] ?? '')?.keptBecause, null, 'a live replica has no why');
    assert.equal(replicaOf(names[0] ?? ''), undefined, 'the records of deleted replicas are gone');
    for (const manifest of h.remote.manifests.values()) {
      for (const fs of manifest.filesystems) if (fs.stream.parentSnapshot !== null) assert.ok(inRemote.includes(fs.stream.parentSnapshot), 'every parent is kept');
    }
  });

  it('asks the bucket only for a container where something is to be deleted; keep_min holds the newest chain', async () => {
    const id = schedule({ expiryDays: 3, fullEvery: 2 });
    const names: string[] = [];
    for (let d = 1; d <= 4; d += 1) names.push(await day(id, d));
    assert.equal(listings, 0, 'day 1 expired on day 4 but is the base of day 2: decided from SQLite alone');
    assert.equal(replicaOf(names[0] ?? '')?.keptBecause, `parent of ${names[1] ?? ''}`);
    test.clock.set(dayAt(30));
    const report = await reaper.reap();
    assert.equal(report.bucketListings, 1);
    assert.equal(report.deleted, 2);
    assert.deepEqual([...h.remote.manifests.values()].map((m) => m.alias).sort(), ['day-3', 'day-4']);
    assert.equal(replicaOf(names[3] ?? '')?.keptBecause, `keep_min 1 of schedule ${String(id)}`);
    assert.equal(replicaOf(names[2] ?? '')?.keptBecause, `parent of ${names[3] ?? ''}`);
    const again = await reaper.reap();
    assert.deepEqual([again.deleted, again.bucketListings, again.keptPastExpiry], [0, 0, 2], 'a steady state costs no bucket call');
  });

  it('never pushes again what the remote reaper deleted; with no older snapshot left on the pool the push is full', async () => {
    const id = schedule({ expiryDays: 1, fullEvery: null }, 0);
    const first = await day(id, 1);
    const second = await day(id, 2);
    assert.equal(replicaOf(second)?.parentSnapshot, first);
    test.clock.set(dayAt(10));
    await reaper.reap();
    assert.equal(h.remote.manifests.size, 0, 'keep_min 0: everything expired goes');
    assert.deepEqual(await replication.replicateDue(), [], 'the deleted replicas are not pushed again');
    for (const name of [first, second]) {
      const local = test.store.resolveSnapshot(CONTAINER_ID, name);
      assert.ok(local);
      await h.deleter.delete(local);
    }
    const third = await day(id, 11);
    assert.equal(replicaOf(third)?.state, 'ready');
    assert.equal(replicaOf(third)?.parentSnapshot, null, 'no older replicated snapshot on the pool: full stream');
  });

  it('catches up: a snapshot taken while the remote refused is pushed on a later tick, oldest first, one at a time', async () => {
    const id = schedule({ expiryDays: null, fullEvery: null });
    const pushes: string[] = [];
    const failing = new ScheduleReplication({
      queries,
      replicas: { push: (_c: string, snapshot: string, _r: string, _i: ReplicaIntent) => Promise.reject(new Error(`remote down for ${snapshot}`)) },
      clock: test.clock,
      logger,
    });
    const a = scheduledSnapshot(id, 1);
    const failed = await failing.replicateDue();
    assert.equal(failed[0]?.snapshot, a);
    assert.ok(failed.length === 1 && failed.every((run) => run.error !== null));
    const b = scheduledSnapshot(id, 2);
    for (let tick = 0; tick < 3; tick += 1) {
      const runs = await replication.replicateDue();
      pushes.push(...runs.map((r) => r.snapshot));
      await h.service.idle();
    }
    assert.deepEqual(pushes, [a, b]);
    assert.equal(replicaOf(b)?.parentSnapshot, a);
    const lag = replication.lag();
    assert.deepEqual(lag.map((l) => [l.scheduleId, l.seconds]), [[id, 0]]);
  });

  it('replica lag: seconds since the oldest snapshot still waiting (taken after the newest replicated one)', async () => {
    const id = schedule({ expiryDays: null, fullEvery: null });
    await day(id, 1);
    assert.deepEqual(replication.lag().map((l) => [l.scheduleId, l.seconds]), [[id, 0]]);
    scheduledSnapshot(id, 2);
    scheduledSnapshot(id, 3);
    test.clock.set(new Date(dayAt(3).getTime() + 90_000));
    assert.deepEqual(replication.lag().map((l) => [l.scheduleId, l.seconds]), [[id, DAY / 1000 + 90]], 'a two-day outage shows as such');
  });

  it('a schedule replicating to an unknown remote, with bad values, is refused with every problem listed', async () => {
    const service = new ScheduleService({
      schedules,
      resolver: { resolve: () => Promise.reject(new Error('not reached')), resolveLive: () => Promise.reject(new Error('not reached')), resolveForRead: () => Promise.reject(new Error('not reached')) },
      clock: test.clock,
      remoteIds: () => ['offsite'],
    });
    const refused = await service.create('web', { cron: 'nope', replicate: { remote: 'elsewhere', expiryDays: 0, fullEvery: -1 } }).catch((error: unknown) => error);
    assert.ok(refused instanceof ValidationError);
    assert.deepEqual(refused.details.map((d) => d.path), ['/body/cron', '/body/replicate/remote', '/body/replicate/expiry', '/body/replicate/full_every']);
    assert.match(refused.details[1]?.message ?? '', /"elsewhere" \(configured: offsite\)/);
  });
});
