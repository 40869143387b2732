/**
 * Issue #17 goal 4, start-up recovery stays flat: with 100 containers × 100 snapshots every start-up read all
 * 10,000 records twice as full records (~0.2 s each time at 10,000 on the 2-core VM): once to find the few left
 * `creating` by a crash, once to compare them with storage. The first must find them by an index, the second
 * reads every record once (it must) but only what the comparison needs; both still answer exactly.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CREATING_SQL, RECORDED_STORAGE_SQL } from '../../src/store/snapshot-queries.js';
import { createTestStore, newSnapshot, withContainer } from './store-fixture.js';

const ROWS = 10_000;

describe('store: start-up recovery queries with 10,000 records', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('finds the records left creating by an index and lists every record with its filesystems once', () => {
    const store = withContainer(test);
    const template = store.reserveSnapshot(newSnapshot());
    store.markSnapshotReady(template.id, { sizeBytes: 1, filesystems: template.filesystems });
    // Copies of the template, every 1,000th left creating, every 500th deleting: faster than 10,000 reserves.
    test.db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${String(ROWS - 1)})
      INSERT INTO snapshots (container_id, container_name, project_id, name, alias, created_at, expires_at, last_used_at, state,
                             size_bytes, tags, uncaptured, config, origin, error)
      SELECT container_id, container_name, project_id, name || '-' || i, NULL, created_at + i, NULL, NULL,
             CASE WHEN i % 1000 = 0 THEN 'creating' WHEN i % 500 = 0 THEN 'deleting' ELSE 'ready' END,
             size_bytes, tags, uncaptured, config, origin, error
      FROM snapshots, n WHERE snapshots.id = ${String(template.id)};
      INSERT INTO snapshot_filesystems (snapshot_id, position, role, mount_point, driver, pool, dataset)
      SELECT s.id, f.position, f.role, f.mount_point, f.driver, f.pool, f.dataset
      FROM snapshots s, snapshot_filesystems f WHERE s.id <> ${String(template.id)} AND f.snapshot_id = ${String(template.id)};`);
    const creatingIds = (test.db.prepare("SELECT id FROM snapshots NOT INDEXED WHERE state = 'creating' ORDER BY id").pluck().all() as number[]);
    assert.equal(creatingIds.length, 9);

    const plan = (test.db.prepare(`EXPLAIN QUERY PLAN ${CREATING_SQL.replace('$COLUMNS', 'id')}`).all() as { detail: string }[]).map((row) => row.detail).join('; ');
    assert.match(plan, /USING (COVERING )?INDEX snapshots_creating/);
    assert.doesNotMatch(plan, /SCAN snapshots(?! USING)/);
    const creating = store.listCreatingSnapshots();
    assert.deepEqual(creating.map((s) => s.id), creatingIds);
    assert.deepEqual(creating[0]?.filesystems, template.filesystems, 'whole records: their storage is removed');

    const started = performance.now();
    const rows = store.listRecordedStorage();
    const storageMs = performance.now() - started;
    const filesystems = template.filesystems.length;
    assert.equal(rows.length, ROWS * filesystems, 'one row per filesystem of every record');
    assert.equal(new Set(rows.map((row) => row.id)).size, ROWS);
    const one = rows.filter((row) => row.id === creatingIds[0]);
    assert.deepEqual(
      one.map(({ state, containerName, pool, dataset }) => ({ state, containerName, pool, dataset })),
      template.filesystems.map(({ pool, dataset }) => ({ state: 'creating', containerName: 'web', pool, dataset })),
    );
    assert.equal(rows.filter((row) => row.state === 'deleting').length, 10 * filesystems);
    const fullStarted = performance.now();
    store.listAllSnapshots();
    const fullMs = performance.now() - fullStarted;
    console.log(`full records: ${fullMs.toFixed(1)} ms; ${(test.db.prepare(`EXPLAIN QUERY PLAN ${RECORDED_STORAGE_SQL}`).all() as { detail: string }[]).map((row) => row.detail).join('; ')}`);
    console.log(`records for the storage comparison, ${String(ROWS)} records: ${storageMs.toFixed(1)} ms; creating by ${plan}`);
  });
});
