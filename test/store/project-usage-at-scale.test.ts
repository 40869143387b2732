/**
 * A project's snapshot usage (every /metrics scrape, and quota checks) is read from an index alone, not
 * row by row (issue #17: /metrics ≤ 10 ms with 10,000 snapshots), and still counts exactly what it did:
 * creating and ready snapshots of the project, their bytes, nothing of other states or projects.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ProjectStore, SNAPSHOT_USAGE_SQL } from '../../src/store/project-store.js';
import { CONTAINER_ID, OTHER_CONTAINER_ID, createTestStore, newSnapshot, withContainer } from './store-fixture.js';

const ROWS = 10_000;

describe('store: project usage with 10,000 snapshots', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('counts and sums from a covering index, with the same figures as a full count', () => {
    withContainer(test);
    withContainer(test, OTHER_CONTAINER_ID, '/other');
    test.db.prepare("UPDATE containers SET project_id = 'other' WHERE id = ?").run(OTHER_CONTAINER_ID);
    test.store.reserveSnapshot(newSnapshot());
    test.store.reserveSnapshot(newSnapshot({ containerId: OTHER_CONTAINER_ID, containerName: 'other', projectId: 'other' }));
    // Copies of the two rows with other names, states and sizes: seconds faster than 10,000 reservations.
    test.db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${String(ROWS / 2)})
      INSERT INTO snapshots (container_id, container_name, project_id, name, alias, created_at, expires_at, last_used_at, state,
                             size_bytes, tags, uncaptured, config, origin, error)
      SELECT s.container_id, s.container_name, s.project_id, s.name || '-' || i, NULL, s.created_at + i, NULL, NULL,
             CASE i % 4 WHEN 0 THEN 'creating' WHEN 1 THEN 'ready' WHEN 2 THEN 'failed' ELSE 'deleting' END,
             CASE WHEN i % 3 = 0 THEN NULL ELSE i END, s.tags, s.uncaptured, s.config, s.origin, NULL
      FROM snapshots AS s, n`);

    const expected = (project: string): { n: number; bytes: number } =>
      test.db
        .prepare("SELECT count(*) AS n, coalesce(sum(size_bytes), 0) AS bytes FROM snapshots NOT INDEXED WHERE project_id = ? AND state IN ('creating', 'ready')")
        .get(project) as { n: number; bytes: number };
    const projects = new ProjectStore(test.db);
    const started = performance.now();
    const usage = projects.usage('default');
    const ms = performance.now() - started;
    assert.ok(usage.snapshots > ROWS / 4, `counted ${String(usage.snapshots)}`);
    assert.deepEqual({ n: usage.snapshots, bytes: usage.snapshotBytes }, expected('default'));
    const other = projects.usage('other');
    assert.deepEqual({ n: other.snapshots, bytes: other.snapshotBytes }, expected('other'));

    const plan = (test.db.prepare(`EXPLAIN QUERY PLAN ${SNAPSHOT_USAGE_SQL}`).all('default') as { detail: string }[]).map((row) => row.detail).join('; ');
    assert.match(plan, /COVERING INDEX snapshots_project_usage/);
    console.log(`project usage over ${String(ROWS + 2)} snapshots: ${ms.toFixed(2)} ms (${plan}); container ${CONTAINER_ID.slice(0, 12)}`);
  });
});
