import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../../src/store/database.js';
import { migrate, MIGRATIONS, userVersion, type Migration } from '../../src/store/migrations.js';
import { createTestStore, newSnapshot, withContainer } from './store-fixture.js';

function tableNames(db: BetterSqlite3.Database): string[] {
  const rows = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
  return rows.map((row) => row.name);
}

describe('store: database and migrations', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('migrates an empty file to the latest version, with WAL, foreign keys, busy timeout', () => {
    assert.equal(userVersion(test.db), MIGRATIONS.length);
    assert.deepEqual(tableNames(test.db), [
      'api_keys', 'audit_log', 'containers', 'events', 'operations', 'owed_starts', 'projects', 'replicas', 'schedules', 'snapshot_filesystems', 'snapshot_pool_totals', 'snapshots', 'tracked_operations', 'webhook_deliveries', 'webhooks',
    ]);
    assert.equal(test.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(test.db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(test.db.pragma('busy_timeout', { simple: true }), 5000);
    assert.equal(test.db.pragma('synchronous', { simple: true }), 2); // FULL
    assert.equal(statSync(test.databasePath).mode & 0o777, 0o600);
  });

  it('re-opening is idempotent: same version, data kept, nothing re-run', () => {
    withContainer(test).reserveSnapshot(newSnapshot());
    test.reopen();
    assert.equal(userVersion(test.db), MIGRATIONS.length);
    assert.deepEqual(migrate(test.db), { from: MIGRATIONS.length, to: MIGRATIONS.length });
    assert.equal(test.store.countSnapshots(newSnapshot().containerId), 1);
  });

  it('a failing migration rolls back entirely and leaves the previous version', () => {
    const db = new BetterSqlite3(join(test.dir, 'partial.db'));
    try {
      const migrations: Migration[] = [
        { description: 'first', up: (d) => d.exec('CREATE TABLE one (x INTEGER)') },
        { description: 'broken second', up: (d) => d.exec('CREATE TABLE two (x INTEGER); INSERT INTO nowhere VALUES (1)') },
      ];
      assert.throws(() => migrate(db, migrations), { code: 'database_migration_failed', message: /migration 2 \(broken second\) failed: no such table: nowhere/ });
      assert.equal(userVersion(db), 1);
      assert.deepEqual(tableNames(db), ['one']);
      // Fixed and retried, it carries on from version 1.
      const fixed: Migration[] = [migrations[0] as Migration, { description: 'second', up: (d) => d.exec('CREATE TABLE two (x INTEGER)') }];
      assert.deepEqual(migrate(db, fixed), { from: 1, to: 2 });
      assert.deepEqual(tableNames(db), ['one', 'two']);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer cowsnap, without touching it', () => {
    const path = join(test.dir, 'newer.db');
    const db = new BetterSqlite3(path);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => openDatabase(path), { code: 'database_too_new', message: new RegExp(`schema version 99.*only up to ${MIGRATIONS.length}\\b`) });
    const check = new BetterSqlite3(path, { readonly: true });
    assert.equal(userVersion(check), 99);
    assert.deepEqual(tableNames(check), []);
    check.close();
  });

  it('opens an in-memory database for unit tests', () => {
    const db = openDatabase(':memory:');
    assert.equal(userVersion(db), MIGRATIONS.length);
    db.close();
  });

  it('reports a database path it cannot open clearly', () => {
    assert.throws(() => openDatabase(join(test.databasePath, 'not-a-dir', 'x.db')), { code: 'database_open_failed', message: /Cannot open the database/ });
  });
});
