import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { migrate, MIGRATIONS, userVersion } from '../../src/store/migrations.js';
import { scratchDir } from '../support/scratch.js';

describe('migration 2 (schedules, reaper retry state)', () => {
  it('upgrades a version-1 database that already has snapshots, keeping them', () => {
    const dir = scratchDir('migration');
    const db = new BetterSqlite3(join(dir, 'v1.db'));
    try {
      migrate(db, MIGRATIONS.slice(0, 1));
      db.exec(`INSERT INTO containers VALUES ('c1', 'web', 'busybox', 0, 0, NULL);
        INSERT INTO snapshots (container_id, container_name, project_id, name, created_at, expires_at, state, tags, uncaptured, config, origin)
        VALUES ('c1', 'web', 'default', 'snap-20260101-000000', 0, 1000, 'ready', '[]', '[]', '{}', 'schedule:1')`);
      assert.deepEqual(migrate(db), { from: 1, to: MIGRATIONS.length });
      assert.equal(userVersion(db), MIGRATIONS.length);
      assert.deepEqual(db.prepare('SELECT name, reap_attempts, next_reap_at FROM snapshots').all(), [
        { name: 'snap-20260101-000000', reap_attempts: 0, next_reap_at: null },
      ]);
      assert.throws(() => db.exec("INSERT INTO schedules (container_id, cron, timezone, quiesce, keep_min, paused, created_at, updated_at) VALUES ('c1', '@daily', 'UTC', 'none', -1, 0, 0, 0)"), /CHECK/);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
