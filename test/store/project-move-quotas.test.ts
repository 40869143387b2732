/**
 * Moving a container into another project takes its snapshots, schedules and replicas with it, so the move
 * is checked against that project's quotas (design.md §9): refused with every quota it would exceed listed,
 * and nothing moved; a move that fits, even exactly, goes through. Real SQLite store, the guard and the
 * statements the service wires together (access-wiring.ts).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { QuotaGuard } from '../../src/core/access/quota-guard.js';
import { NO_QUOTAS } from '../../src/core/access/project.js';
import { QuotaExceededError, type QuotaDetail } from '../../src/errors/quota-exceeded-error.js';
import { ProjectStore } from '../../src/store/project-store.js';
import { ScheduleStore } from '../../src/store/schedule-store.js';
import { CONTAINER_ID, OTHER_CONTAINER_ID, createTestStore, newSnapshot, withContainer, type TestStore } from './store-fixture.js';

describe('store: moving a container into a project with quotas', () => {
  let test: TestStore;
  let projects: ProjectStore;
  let guard: QuotaGuard;

  /** What access-wiring.ts does for PUT /containers/:container. */
  function move(containerId: string, project: string): void {
    const container = test.store.containers.getContainer(containerId) ?? assert.fail('recorded');
    guard.move(project, container.name, () => projects.containerUsage(containerId), () => test.store.containers.assignProject(containerId, project));
  }

  function snapshotsOf(containerId: string, count: number, sizeBytes: number): void {
    for (let i = 0; i < count; i += 1) {
      const reserved = test.store.reserveSnapshot(newSnapshot({ containerId, createdAt: new Date(test.clock.now().getTime() + i * 1000), alias: `${containerId.slice(0, 4)}-${String(i)}` }));
      test.store.markSnapshotReady(reserved.id, { sizeBytes, filesystems: reserved.filesystems });
    }
  }

  beforeEach(() => {
    test = createTestStore();
    projects = new ProjectStore(test.db);
    guard = new QuotaGuard({ exclusive: (fn) => test.db.transaction(fn).immediate(), getProject: (id) => projects.getProject(id), usage: (id) => projects.usage(id) });
    withContainer(test);
    withContainer(test, OTHER_CONTAINER_ID, '/other');
    projects.createProject('small', { ...NO_QUOTAS, maxSnapshots: 5, maxSnapshotBytes: 10_000, maxSchedules: 0 }, test.clock.now());
  });
  afterEach(() => test.destroy());

  it('refuses a container whose snapshots and schedules do not fit, listing each quota, and moves nothing', () => {
    snapshotsOf(CONTAINER_ID, 6, 1_000);
    new ScheduleStore(test.db).createSchedule({
      containerId: CONTAINER_ID, cron: '0 3 * * *', timezone: 'UTC', aliasTemplate: 'nightly-{date}', expiryDays: 7, quiesce: 'none', keepMin: 0, paused: false, lastSlot: null, createdAt: test.clock.now(),
    });

    assert.throws(
      () => {
        move(CONTAINER_ID, 'small');
      },
      (error: unknown) => {
        assert.ok(error instanceof QuotaExceededError);
        assert.deepEqual(error.details.map((detail) => (detail as QuotaDetail).quota), ['max_snapshots', 'max_schedules']);
        assert.match(error.message, /nothing was moved/);
        return true;
      },
    );

    assert.equal(test.store.containers.getContainer(CONTAINER_ID)?.projectId, 'default');
    assert.equal(projects.usage('small').snapshots, 0);
    assert.equal(projects.usage('default').snapshots, 6, 'its snapshots stayed where they were');
  });

  it('moves a container that fits, also one that fills a quota exactly; the next one that does not fit is refused', () => {
    snapshotsOf(CONTAINER_ID, 3, 2_000);
    snapshotsOf(OTHER_CONTAINER_ID, 3, 1_000);

    move(CONTAINER_ID, 'small');
    assert.equal(test.store.containers.getContainer(CONTAINER_ID)?.projectId, 'small');
    assert.deepEqual([projects.usage('small').snapshots, projects.usage('small').snapshotBytes], [3, 6_000]);

    assert.throws(() => {
      move(OTHER_CONTAINER_ID, 'small');
    }, (error: unknown) => error instanceof QuotaExceededError && error.details.length === 1 && (error.details[0] as QuotaDetail | undefined)?.quota === 'max_snapshots');
    test.store.deleteSnapshotRecord(test.store.listAllSnapshots().find((s) => s.containerId === OTHER_CONTAINER_ID)?.id ?? assert.fail('a snapshot'));
    move(OTHER_CONTAINER_ID, 'small');
    assert.deepEqual([projects.usage('small').snapshots, projects.usage('small').snapshotBytes], [5, 8_000], 'exactly at the limit of 5');
  });
});
