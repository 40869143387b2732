/**
 * Upgrading to the access schema (projects, keys, audit): a database at the schema just before it,
 * holding snapshots, schedules and replicas written by the store code, keeps every one of them, and its
 * containers land in the default project.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { ManualClock } from '../../src/core/clock.js';
import { CowsnapStore } from '../../src/store/cowsnap-store.js';
import { openDatabase } from '../../src/store/database.js';
import { migrate, MIGRATIONS, userVersion } from '../../src/store/migrations.js';
import { ProjectStore } from '../../src/store/project-store.js';
import { ReplicaStore } from '../../src/store/replica-store.js';
import { ScheduleStore } from '../../src/store/schedule-store.js';
import { loadOrCreateKey, SecretBox } from '../../src/store/secret-box.js';
import { SnapshotStore } from '../../src/store/snapshot-store.js';
import { scratchDir } from '../support/scratch.js';
import { newSnapshot } from './store-fixture.js';

const TABLES = ['snapshots', 'snapshot_filesystems', 'schedules', 'replicas', 'operations', 'tracked_operations'];

function dump(db: BetterSqlite3.Database): Record<string, unknown[]> {
  return Object.fromEntries(TABLES.map((table) => [table, db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()]));
}

describe('migration: projects, API keys, audit log', () => {
  it('keeps every snapshot, schedule and replica of a database at the schema before it; containers join the default project', (t) => {
    const dir = scratchDir('access-migration');
    // Removed however the test ends: a failure in the old database's part left the folder behind.
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const path = join(dir, 'cowsnap.db');
    const secrets = new SecretBox(loadOrCreateKey(join(dir, 'secret.key')));
    // Found by description, not number: the coordinator may append other migrations before it at merge.
    const access = MIGRATIONS.findIndex((m) => m.description.startsWith('projects with quotas'));
    assert.ok(access > 0);
    const old = new BetterSqlite3(path);
    let before: Record<string, unknown[]>;
    try {
      migrate(old, MIGRATIONS.slice(0, access));
      assert.equal(userVersion(old), access);
      // Containers as the code before this migration wrote them (no project column yet).
      const at = Date.parse('2026-03-01T00:00:00Z');
      old.prepare('INSERT INTO containers (id, name, image, first_seen_at, last_seen_at, removed_at) VALUES (?, ?, ?, ?, ?, ?)').run('c'.repeat(64), 'web', 'busybox', at, at, null);
      old.prepare('INSERT INTO containers (id, name, image, first_seen_at, last_seen_at, removed_at) VALUES (?, ?, ?, ?, ?, ?)').run('d'.repeat(64), 'db', 'busybox', at, at, at);
      const snapshots = new SnapshotStore(old, secrets);
      const schedules = new ScheduleStore(old);
      const replicas = new ReplicaStore(old);
      for (const [container, name] of [['c'.repeat(64), 'web'], ['d'.repeat(64), 'db']] as const) {
        for (let i = 0; i < 3; i += 1) {
          const reserved = snapshots.reserveSnapshot(
            newSnapshot({ containerId: container, containerName: name, createdAt: new Date(at + i * 1000), alias: `${name}-${String(i)}`, config: { ...newSnapshot().config, env: ['SECRET=s3cr3t'] } }),
          );
          snapshots.markSnapshotReady(reserved.id, { sizeBytes: 1000 * (i + 1), filesystems: reserved.filesystems });
          if (i === 0) replicas.beginReplica({ containerId: container, snapshotName: reserved.name, remoteId: 'vault', snapshotId: reserved.id, operationId: 1 }, new Date(at));
        }
        schedules.createSchedule({ containerId: container, cron: '0 3 * * *', timezone: 'Europe/Berlin', aliasTemplate: 'nightly-{date}', expiryDays: 7, quiesce: 'pause', keepMin: 2, paused: false, lastSlot: new Date(at), createdAt: new Date(at) });
      }
      before = dump(old);
    } finally {
      old.close();
    }

    const db = openDatabase(path);
    try {
      assert.equal(userVersion(db), MIGRATIONS.length);
      assert.deepEqual(dump(db), before, 'every snapshot, filesystem, schedule and replica row is unchanged');
      const store = new CowsnapStore(db, secrets, new ManualClock());
      const web = store.listSnapshots('c'.repeat(64), { limit: 10, offset: 0 });
      assert.equal(web.total, 3);
      assert.deepEqual(web.snapshots.map((s) => [s.alias, s.projectId, s.config.env]), [
        ['web-2', 'default', ['SECRET=s3cr3t']],
        ['web-1', 'default', ['SECRET=s3cr3t']],
        ['web-0', 'default', ['SECRET=s3cr3t']],
      ]);
      assert.equal(new ScheduleStore(db).listSchedules('d'.repeat(64))[0]?.aliasTemplate, 'nightly-{date}');
      assert.deepEqual(store.listContainers().map((c) => [c.name, c.projectId]), [['db', 'default'], ['web', 'default']]);
      const usage = new ProjectStore(db).usage('default');
      assert.deepEqual([usage.containers, usage.snapshots, usage.snapshotBytes, usage.schedules], [2, 6, 12000, 2]);
    } finally {
      db.close();
    }
  });
});
