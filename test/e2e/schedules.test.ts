/**
 * Schedules end to end: the real service (HTTP, SQLite, btrfs driver) on a private dockerd, with a
 * ManualClock moved day by day; each "day" runs what the minute timer would (scheduler, then reaper).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { createDriver } from '../../storage-drivers/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { needs } from '../support/components.js';
import { startTestService, type TestService } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import type { ScheduleJson } from '../../src/http/wire/schedule-json.js';
import type { SnapshotJson } from '../../src/http/wire/snapshot-json.js';

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T12:00:00Z');
/** 30 s past midnight UTC of day `d` after START's date. */
const dayAt = (d: number): Date => new Date(Date.parse('2026-01-01T00:00:30Z') + d * DAY);
const isoDate = (d: number): string => dayAt(d).toISOString().slice(0, 10);

describe('schedules end to end (real dockerd on btrfs, real service)', needs('docker'), () => {
  let engine: TestDockerEngine;
  let service: TestService;
  let driver: StorageDriver;

  before(async () => {
    engine = await createDockerEngine();
    service = await startTestService({ engine, clock: new ManualClock(new Date(START)) });
    driver = createDriver({ id: 'docker-pool', driver: 'btrfs', path: engine.pool.mountPoint }, new ExecFileRunner());
    await driver.probe();
  });
  after(async () => {
    await service.close();
    await engine.destroy();
  });

  async function runContainer(name: string): Promise<string> {
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name });
    await container.start();
    return container.id;
  }

  async function createSchedule(container: string, body: Record<string, unknown>, on: TestService = service): Promise<ScheduleJson> {
    const response = await on.api('POST', `/containers/${container}/schedules`, body);
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return (response.body.data as { schedule: ScheduleJson }).schedule;
  }

  async function list(container: string, query = '', on: TestService = service): Promise<{ snapshots: SnapshotJson[]; total: number }> {
    const response = await on.api('GET', `/containers/${container}/snapshots?limit=500${query}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.data as { snapshots: SnapshotJson[]; total: number };
  }

  /** Names of the cowsnap snapshots the driver finds on disk for a dataset ("<name>.cs<id>" → name). */
  async function onDisk(dataset: string): Promise<string[]> {
    return (await driver.listSnapshots(dataset)).map((s) => s.name.replace(/\.cs\d+$/, '')).sort();
  }

  async function liveDay(d: number, on: TestService = service): Promise<void> {
    on.clock.set(dayAt(d));
    await on.running.scheduler.runDue();
    await on.running.reaper.run();
  }

  it('a daily schedule with expiry 30, run over 45 days, leaves exactly the 30 newest, on disk and in the list', async () => {
    service.clock.set(new Date(START));
    await runContainer('daily');
    const schedule = await createSchedule('daily', { cron: '@daily', alias_template: 'daily-backup-{date}', expiry: 30 });
    assert.equal(schedule.next_run_at, dayAt(1).toISOString().replace(':30.000Z', ':00.000Z'));
    assert.deepEqual([schedule.timezone, schedule.keep_min, schedule.paused, schedule.origin], ['UTC', 1, false, `schedule:${schedule.id}`]);

    for (let d = 1; d <= 45; d += 1) await liveDay(d);

    const { snapshots, total } = await list('daily', `&origin=schedule:${schedule.id}`);
    assert.equal(total, 30);
    const expected = Array.from({ length: 30 }, (_, i) => `daily-backup-${isoDate(45 - i)}`);
    assert.deepEqual(snapshots.map((s) => s.alias), expected);
    assert.ok(snapshots.every((s) => s.state === 'ready' && s.origin === `schedule:${schedule.id}`));
    assert.equal((await list('daily', '&origin=schedule')).total, 30);
    assert.equal((await list('daily', '&origin=api')).total, 0);

    const rootfs = snapshots[0]?.filesystems.find((f) => f.role === 'rootfs')?.dataset ?? assert.fail('no rootfs');
    assert.deepEqual(await onDisk(rootfs), snapshots.map((s) => s.name).sort());

    const got = await service.api('GET', `/containers/daily/schedules/${schedule.id}`);
    const after45 = (got.body.data as { schedule: ScheduleJson }).schedule;
    assert.equal(after45.run_count, 45);
    assert.equal(after45.last_snapshot, snapshots[0]?.name);
  });

  it('keep_min: when the container is gone and no new snapshots come, the last ones outlive their expiry', async () => {
    service.clock.set(new Date(START));
    const id = await runContainer('stalled');
    const schedule = await createSchedule('stalled', { cron: '@daily', alias_template: 'nightly-{n}', expiry: 3, keep_min: 2 });
    for (let d = 1; d <= 5; d += 1) await liveDay(d);
    assert.deepEqual((await list('stalled')).snapshots.map((s) => s.alias), ['nightly-5', 'nightly-4', 'nightly-3']);
    const rootfs = (await list('stalled')).snapshots[0]?.filesystems[0]?.dataset ?? assert.fail('no dataset');

    await engine.docker.getContainer(id).remove({ force: true });
    for (let d = 6; d <= 45; d += 1) await liveDay(d);

    const left = (await list('stalled')).snapshots;
    assert.deepEqual(left.map((s) => s.alias), ['nightly-5', 'nightly-4'], 'keep_min 2 kept the two newest');
    assert.ok(left.every((s) => Date.parse(s.expires_at ?? '') < dayAt(45).getTime()), 'both are long expired');
    assert.deepEqual(await onDisk(rootfs), left.map((s) => s.name).sort());

    const got = (await service.api('GET', `/containers/stalled/schedules/${schedule.id}`)).body.data as { schedule: ScheduleJson };
    assert.equal(got.schedule.paused, true);
    assert.match(got.schedule.paused_reason ?? '', /removed from Docker/);
    assert.equal(got.schedule.run_count, 5, 'five snapshots; the run that found the container gone paused it instead');

    // Without the schedule nothing protects them any more.
    assert.equal((await service.api('DELETE', `/containers/stalled/schedules/${schedule.id}`)).status, 200);
    await service.running.reaper.run();
    assert.equal((await list('stalled')).total, 0);
    assert.deepEqual(await onDisk(rootfs), []);
  });

  it('a restart in the middle of a day neither runs a slot twice nor loses the missed one', async () => {
    const clock = new ManualClock('2026-02-01T09:00:00Z');
    const first = await startTestService({ engine, clock });
    let second: TestService | undefined;
    try {
      await runContainer('noon');
      await createSchedule('noon', { cron: '0 12 * * *' }, first);
      clock.set('2026-02-01T12:00:20Z');
      await first.running.scheduler.runDue();
      assert.equal((await list('noon', '', first)).total, 1);

      // Down at 15:00, back at 13:00 two days later: the 12:00 slots of 02-02 and 02-03 were missed.
      clock.set('2026-02-01T15:00:00Z');
      await first.running.close();
      clock.set('2026-02-03T13:00:00Z');
      second = await startTestService({ engine, clock, config: first.config });
      await second.running.scheduler.runDue(); // after the start-up run, which made up for the missed slot
      await second.running.scheduler.runDue();
      const names = (await list('noon', '', second)).snapshots.map((s) => s.name);
      assert.deepEqual(names, ['snap-20260203-130000', 'snap-20260201-120020'], 'one made-up run, not two');

      // A second restart the same day: nothing new until the next slot.
      await second.running.close();
      clock.set('2026-02-03T18:00:00Z');
      second = await startTestService({ engine, clock, config: first.config });
      await second.running.scheduler.runDue();
      assert.equal((await list('noon', '', second)).total, 2);
      clock.set('2026-02-04T12:00:05Z');
      await second.running.scheduler.runDue();
      assert.equal((await list('noon', '', second)).total, 3);
    } finally {
      await second?.close();
      await first.close();
    }
  });

  it('creates, lists, changes, pauses and deletes schedules; filters snapshots by origin', async () => {
    service.clock.set(new Date(START));
    await runContainer('crud');
    const a = await createSchedule('crud', { cron: '0 3 * * *', timezone: 'Europe/Berlin', quiesce: 'pause', keep_min: 3, expiry: 7 });
    assert.equal(a.next_run_at, '2026-01-02T02:00:00.000Z', '03:00 in Berlin (CET) is 02:00 UTC');
    const b = await createSchedule('crud', { cron: '@hourly', paused: true });
    assert.equal(b.next_run_at, null);

    const listed = await service.api('GET', '/containers/crud/schedules');
    assert.deepEqual((listed.body.data as { schedules: ScheduleJson[] }).schedules.map((s) => s.id), [a.id, b.id]);

    const changed = await service.api('PUT', `/containers/crud/schedules/${a.id}`, { cron: '30 4 * * *', alias_template: 'x-{n}', paused: true });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const c = (changed.body.data as { schedule: ScheduleJson }).schedule;
    assert.deepEqual([c.cron, c.timezone, c.alias_template, c.keep_min, c.expiry, c.paused], ['30 4 * * *', 'Europe/Berlin', 'x-{n}', 3, 7, true]);

    // A resumed hourly schedule runs at the next hour; its snapshot carries its origin.
    const resumed = await service.api('PUT', `/containers/crud/schedules/${b.id}`, { paused: false });
    assert.equal((resumed.body.data as { schedule: ScheduleJson }).schedule.next_run_at, '2026-01-01T13:00:00.000Z');
    await service.api('POST', '/containers/crud/snapshots', {});
    service.clock.set('2026-01-01T13:00:01Z');
    await service.running.scheduler.runDue();
    assert.deepEqual((await list('crud', `&origin=schedule:${b.id}`)).snapshots.map((s) => s.origin), [`schedule:${b.id}`]);
    assert.deepEqual((await list('crud', '&origin=api')).snapshots.map((s) => s.origin), ['api']);
    assert.equal((await list('crud', `&origin=schedule:${a.id}`)).total, 0);

    // GET /containers says the same in numbers (the console's overview needs no call per container).
    const newest = (await list('crud')).snapshots[0];
    const overview = (await service.api('GET', '/containers')).body.data as { containers: { name: string; snapshot_count: number; newest_snapshot_at: string | null; schedules: unknown }[] };
    const crud = overview.containers.find((container) => container.name === 'crud');
    assert.deepEqual(
      [crud?.snapshot_count, crud?.newest_snapshot_at, crud?.schedules],
      [2, newest?.created_at, { active: 1, paused: 1, next_run_at: '2026-01-01T14:00:00.000Z' }],
      JSON.stringify(crud),
    );

    assert.equal((await service.api('GET', `/containers/crud/schedules/${a.id + 1000}`)).status, 404);
    assert.equal((await service.api('GET', `/containers/daily/schedules/${a.id}`)).status, 404, 'another container\'s schedule id');
    assert.equal((await service.api('GET', '/containers/no-such-container/schedules')).status, 404);
    assert.equal((await service.api('DELETE', `/containers/crud/schedules/${a.id}`)).status, 200);
    const all = await service.api('DELETE', '/containers/crud/schedules');
    assert.deepEqual((all.body.data as { schedules: ScheduleJson[] }).schedules.map((s) => s.id), [b.id]);
    assert.deepEqual((await service.api('GET', '/containers/crud/schedules')).body.data, { container_id: (all.body.data as { container_id: string }).container_id, schedules: [] });
    assert.equal((await list('crud')).total, 2, 'deleting schedules keeps their snapshots');
  });

  it('rejects bad schedules with 400 listing every problem, and stores nothing', async () => {
    await runContainer('strict-schedules');
    const response = await service.api('POST', '/containers/strict-schedules/schedules', {
      cron: '0 25 * * *',
      timezone: 'Mars/Olympus',
      expiry: 3651,
      alias_template: 'backup-{week}',
      keep_min: -1,
    });
    assert.equal(response.status, 400);
    const error = response.body.error as { code: string; details: { path: string; message: string }[] };
    assert.equal(error.code, 'validation_failed');
    assert.deepEqual(error.details.map((d) => d.path).sort(), ['/body/alias_template', '/body/cron', '/body/expiry', '/body/keep_min', '/body/timezone']);
    assert.match(error.details.find((d) => d.path === '/body/cron')?.message ?? '', /five fields/);

    const cases: [string, Record<string, unknown>][] = [
      ['no cron', {}],
      ['six fields', { cron: '0 0 * * * *' }],
      ['@reboot', { cron: '@reboot' }],
      ['expiry 0', { cron: '@daily', expiry: 0 }],
      ['expiry fraction', { cron: '@daily', expiry: 1.5 }],
      ['unmatched brace', { cron: '@daily', alias_template: 'a-{date' }],
      ['control character', { cron: '@daily', alias_template: 'a\u001b[2J' }],
      ['unknown field', { cron: '@daily', every: 'day' }],
    ];
    for (const [label, body] of cases) {
      const bad = await service.api('POST', '/containers/strict-schedules/schedules', body);
      assert.equal(bad.status, 400, label);
      assert.ok((bad.body.error as { details: unknown[] }).details.length >= 1, label);
    }
    const created = await createSchedule('strict-schedules', { cron: '@daily' });
    const badUpdate = await service.api('PUT', `/containers/strict-schedules/schedules/${created.id}`, { timezone: 'Nowhere/Land' });
    assert.equal(badUpdate.status, 400);
    assert.equal((await service.api('PUT', `/containers/strict-schedules/schedules/${created.id}`, {})).status, 400);
    const schedules = (await service.api('GET', '/containers/strict-schedules/schedules')).body.data as { schedules: ScheduleJson[] };
    assert.deepEqual(schedules.schedules.map((s) => [s.cron, s.timezone]), [['@daily', 'UTC']]);
  });
});
