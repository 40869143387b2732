/**
 * The scheduler's timing rules on a real SQLite schedule store, with the snapshot creator and Docker
 * faked (the real-snapshot proof is test/e2e/schedules.test.ts).
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { ContainerLocks } from '../../src/core/container-lock.js';
import type { ResolvedContainer } from '../../src/core/container-resolver.js';
import type { SnapshotRecord } from '../../src/core/model.js';
import type { LiveContainer } from '../../src/core/ports.js';
import type { NewSchedule } from '../../src/core/schedule-model.js';
import { Scheduler } from '../../src/core/schedule-runner.js';
import { ScheduleService } from '../../src/core/schedule-service.js';
import { ServiceUnavailableError } from '../../src/errors/service-unavailable-error.js';
import { ValidationError } from '../../src/errors/validation-error.js';
import { CommandFailedError } from '../../storage-drivers/common/errors.js';
import { ScheduleStore } from '../../src/store/schedule-store.js';
import { CONTAINER_ID, createTestStore, newSnapshot, sampleConfig, withContainer } from '../store/store-fixture.js';

interface Made {
  alias: string | undefined;
  origin: string;
  expiryDays: number | undefined;
  at: string;
}

describe('scheduler', () => {
  const test = createTestStore();
  after(() => test.destroy());
  let made: Made[];
  let removed: boolean;
  let dockerDown: boolean;
  /** When set, the creator throws it (a failure after the slot was claimed). */
  let createFails: Error | null = null;

  beforeEach(() => {
    test.db.exec('DELETE FROM schedules; DELETE FROM snapshots;');
    withContainer(test);
    made = [];
    removed = false;
    dockerDown = false;
  });

  const live: LiveContainer = {
    id: CONTAINER_ID,
    name: 'web',
    image: 'cowsnap-test/busybox:latest',
    state: { status: 'running', running: true, paused: false },
    config: sampleConfig(),
  };

  function scheduler(schedules = new ScheduleStore(test.db), locks = new ContainerLocks(0)): Scheduler {
    return new Scheduler({
      schedules,
      store: test.store,
      clock: test.clock,
      locks,
      resolver: {
        resolve: (): Promise<ResolvedContainer> => {
          // What DockerRuntime throws for a dead socket (runtime/docker-errors.ts).
          if (dockerDown) return Promise.reject(new ServiceUnavailableError('docker_unavailable', 'Docker is not reachable (ECONNREFUSED); is dockerd running?'));
          const record = test.store.getContainer(CONTAINER_ID);
          if (record === undefined) throw new Error('container not recorded');
          return Promise.resolve({ record, live: removed ? undefined : live });
        },
      },
      creator: {
        // Records a real snapshot row, so alias collisions are decided by the store as in production.
        create: (_container, input): Promise<SnapshotRecord> => {
          if (createFails !== null) return Promise.reject(createFails);
          made.push({ alias: input.alias, origin: input.origin, expiryDays: input.expiryDays, at: test.clock.now().toISOString() });
          const s = test.store.reserveSnapshot(newSnapshot({ alias: input.alias ?? null, origin: input.origin, createdAt: test.clock.now() }));
          return Promise.resolve(test.store.markSnapshotReady(s.id, { sizeBytes: 0, filesystems: s.filesystems }));
        },
      },
    });
  }

  function service(schedules = new ScheduleStore(test.db)): ScheduleService {
    const resolved = (): Promise<ResolvedContainer & { live: LiveContainer }> =>
      Promise.resolve({ record: test.store.getContainer(CONTAINER_ID) ?? assert.fail('container not recorded'), live });
    return new ScheduleService({ schedules, clock: test.clock, resolver: { resolve: resolved, resolveForRead: resolved, resolveLive: resolved } });
  }

  function schedule(overrides: Partial<NewSchedule> = {}): number {
    const schedules = new ScheduleStore(test.db);
    return schedules.createSchedule({
      containerId: CONTAINER_ID, cron: '0 3 * * *', timezone: 'UTC', aliasTemplate: null, expiryDays: null, quiesce: 'none',
      keepMin: 1, paused: false, lastSlot: test.clock.now(), createdAt: test.clock.now(), ...overrides,
    }).id;
  }

  it('runs a slot once when it comes, and a long gap (downtime) once, not once per missed slot', async () => {
    test.clock.set('2026-03-01T10:00:00Z');
    const id = (await service().create('web', { cron: '0 3 * * *', aliasTemplate: 'daily-{date}-{n}', expiryDays: 7 })).schedule.id;
    const s = scheduler();
    assert.deepEqual(await s.runDue(), [], 'the 03:00 before creation is not a missed run');
    test.clock.set('2026-03-02T02:59:59Z');
    assert.deepEqual(await s.runDue(), []);
    test.clock.set('2026-03-02T03:00:00Z');
    const [run] = await s.runDue();
    assert.equal(run?.outcome, 'created');
    assert.equal(run.slot.toISOString(), '2026-03-02T03:00:00.000Z');
    assert.deepEqual(await s.runDue(), [], 'same slot: no second run');
    test.clock.set('2026-03-06T12:00:00Z'); // down for three slots
    assert.equal((await s.runDue()).length, 1);
    assert.deepEqual(made.map((m) => [m.alias, m.origin, m.expiryDays]), [
      ['daily-2026-03-02-1', `schedule:${id}`, 7],
      ['daily-2026-03-06-2', `schedule:${id}`, 7],
    ]);
  });

  it('survives a restart without running a slot twice, and two racing schedulers claim a slot once', async () => {
    test.clock.set('2026-03-01T10:00:00Z');
    schedule();
    test.clock.set('2026-03-02T03:00:30Z');
    const [a, b] = await Promise.all([scheduler().runDue(), scheduler(new ScheduleStore(test.db)).runDue()]);
    assert.equal(a.length + b.length, 1);
    test.reopen();
    withContainer(test);
    assert.deepEqual(await scheduler().runDue(), []);
    assert.equal(made.length, 1);
  });

  it('reads the cron expression in the schedule time zone and renders {date}/{time} there', async () => {
    test.clock.set('2026-03-01T10:00:00Z');
    schedule({ timezone: 'America/New_York', aliasTemplate: 'ny-{date}-{time}', lastSlot: new Date('2026-03-01T08:00:00Z') });
    test.clock.set('2026-03-02T07:59:00Z');
    assert.deepEqual(await scheduler().runDue(), [], '03:00 in New York is 08:00 UTC');
    test.clock.set('2026-03-02T08:00:00Z');
    assert.equal((await scheduler().runDue()).length, 1);
    assert.equal(made[0]?.alias, 'ny-2026-03-02-030000');
  });

  it('gives a taken alias a -2 suffix instead of failing the run', async () => {
    test.clock.set('2026-03-01T10:00:00Z');
    schedule({ cron: '@hourly', aliasTemplate: 'backup' });
    test.clock.set('2026-03-01T11:00:00Z');
    await scheduler().runDue();
    test.clock.set('2026-03-01T12:00:00Z');
    await scheduler().runDue();
    assert.deepEqual(made.map((m) => m.alias), ['backup', 'backup-2']);
  });

  it('pauses a schedule whose container was removed, with the reason, instead of failing every tick', async () => {
    test.clock.set('2026-03-01T10:00:00Z');
    const id = schedule({ cron: '@hourly' });
    removed = true;
    test.clock.set('2026-03-01T11:00:00Z');
    const [run] = await scheduler().runDue();
    assert.equal(run?.outcome, 'paused');
    const stored = new ScheduleStore(test.db).getSchedule(id);
    assert.equal(stored?.paused, true);
    assert.match(stored.pausedReason ?? '', /removed from Docker/);
    test.clock.set('2026-03-01T12:00:00Z');
    assert.deepEqual(await scheduler().runDue(), []);
    assert.equal(made.length, 0);
  });

  it('a slot missed because Docker was down or the container busy is tried again on the next tick', async () => {
    test.clock.set('2026-03-01T10:00:00Z');
    const id = schedule({ cron: '0 12 * * *' });
    test.clock.set('2026-03-01T12:00:10Z');
    dockerDown = true;
    const [down] = await scheduler().runDue();
    assert.equal(down?.outcome, 'failed');
    assert.match(down.error ?? '', /not reachable.*will try again/);
    dockerDown = false;

    const locks = new ContainerLocks(0);
    let release: () => void = () => undefined;
    const restore = locks.run(CONTAINER_ID, 'restore', () => new Promise<void>((resolve) => (release = resolve)));
    test.clock.set('2026-03-01T12:01:00Z');
    const [busy] = await scheduler(new ScheduleStore(test.db), locks).runDue();
    assert.match(busy?.error ?? '', /busy/);
    release();
    await restore;

    test.clock.set('2026-03-01T12:02:00Z');
    const [made1] = await scheduler().runDue();
    assert.equal(made1?.outcome, 'created');
    assert.equal(made1.slot.toISOString(), '2026-03-01T12:00:00.000Z');
    assert.deepEqual(await scheduler().runDue(), []);
    const stored = new ScheduleStore(test.db).getSchedule(id);
    assert.deepEqual([stored?.runCount, stored?.lastError], [1, null]);
  });

  it('resuming or changing the timing does not make up for slots that passed meanwhile', async () => {
    test.clock.set('2026-03-01T10:00:00Z');
    const svc = service();
    const id = String((await svc.create('web', { cron: '@hourly', paused: true })).schedule.id);
    test.clock.set('2026-03-01T15:30:00Z');
    assert.deepEqual(await scheduler().runDue(), []);
    const resumed = await svc.update('web', id, { paused: false });
    assert.equal(resumed.nextRunAt?.toISOString(), '2026-03-01T16:00:00.000Z');
    assert.deepEqual(await scheduler().runDue(), []);
    await svc.update('web', id, { cron: '15 * * * *' });
    assert.deepEqual(await scheduler().runDue(), [], '15:15 passed before the change');
    test.clock.set('2026-03-01T16:15:00Z');
    assert.equal((await scheduler().runDue()).length, 1);
  });

  it('rejects bad schedules listing every problem, and stores nothing', async () => {
    const svc = service();
    await assert.rejects(
      svc.create('web', { cron: '0 25 * * *', timezone: 'Mars/Olympus', aliasTemplate: 'x-{week}', expiryDays: 0 }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.deepEqual(error.details.map((d) => d.path), ['/body/cron', '/body/timezone', '/body/alias_template', '/body/expiry']);
        assert.match(error.details[0]?.message ?? '', /25/);
        return true;
      },
    );
    for (const cron of ['* * * *', '0 0 * * * *', '@reboot', 'every day']) {
      await assert.rejects(svc.create('web', { cron }), ValidationError, cron);
    }
    assert.deepEqual(new ScheduleStore(test.db).listSchedules(CONTAINER_ID), []);
  });

  it('defect-11 last_error holds a sentence and a code, never the command, paths or stderr (those go to the log)', async () => {
    test.clock.set('2026-03-01T10:00:00Z');
    const id = schedule({ cron: '0 12 * * *' });
    test.clock.set('2026-03-01T12:00:10Z');
    createFails = new CommandFailedError('btrfs', ['subvolume', 'snapshot', '-r', '/srv/pool/data', '/srv/pool/.cowsnap/x'], 1, 'ERROR: cannot snapshot /srv/pool/data: Read-only file system');
    try {
      const [run] = await scheduler().runDue();
      assert.equal(run?.outcome, 'failed');
      const stored = new ScheduleStore(test.db).getSchedule(id);
      assert.match(stored?.lastError ?? '', /storage command failed.*storage_failed/);
      assert.doesNotMatch(stored?.lastError ?? '', /\/srv|btrfs subvolume|Read-only/);
      assert.match(run.detail ?? '', /Read-only file system/, 'the report (logged by the service) keeps the full failure');
    } finally {
      createFails = null;
    }
  });
});
