/**
 * Every reaper pass prunes finished journal entries; a host with 100 containers × 100 snapshots keeps
 * ~10,000 of them (one per create) for the retention days. The prune must find the old ones by an index,
 * not read every entry per pass (issue #17: the reaper pass stays flat), and still remove exactly the
 * finished entries older than the cut, never a running one.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { JOURNAL_PRUNE_SQL } from '../../src/store/journal-store.js';
import { CONTAINER_ID, createTestStore } from './store-fixture.js';

const ROWS = 10_000;
const DAY_MS = 86_400_000;

describe('store: journal prune with 10,000 finished entries', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('walks an index and removes only the finished entries older than the cut', () => {
    const now = test.clock.now().getTime();
    const running = test.store.startOperation('create', CONTAINER_ID, 'snap-running', {});
    test.db.prepare('UPDATE operations SET updated_at = ? WHERE id = ?').run(now - 60 * DAY_MS, running.id);
    // Entries finished over the last 40 days, one every ~6 minutes: faster than 10,000 startOperation calls.
    test.db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${String(ROWS)})
      INSERT INTO operations (kind, container_id, snapshot_name, state, step, payload, started_at, updated_at)
      SELECT 'create', '${CONTAINER_ID}', 'snap-' || i, CASE i % 50 WHEN 0 THEN 'failed' ELSE 'done' END, 'done', '{}',
             ${String(now)} - i * ${String((40 * DAY_MS) / ROWS)}, ${String(now)} - i * ${String((40 * DAY_MS) / ROWS)}
      FROM n`);
    const count = (sql: string): number => (test.db.prepare(sql).get() as { n: number }).n;
    const cut = new Date(now - 30 * DAY_MS);
    const older = count(`SELECT count(*) AS n FROM operations NOT INDEXED WHERE state <> 'running' AND updated_at < ${String(cut.getTime())}`);
    assert.ok(older > ROWS / 5, `${String(older)} entries older than the cut`);

    const plan = (test.db.prepare(`EXPLAIN QUERY PLAN ${JOURNAL_PRUNE_SQL}`).all(0) as { detail: string }[]).map((row) => row.detail).join('; ');
    assert.match(plan, /USING INDEX operations_finished/);
    assert.doesNotMatch(plan, /SCAN/);

    const started = performance.now();
    assert.equal(test.store.pruneFinishedOperations(new Date(now - 50 * DAY_MS)), 0, 'nothing that old but the running entry');
    const nothingDueMs = performance.now() - started;
    assert.equal(test.store.pruneFinishedOperations(cut), older);
    assert.equal(count('SELECT count(*) AS n FROM operations'), ROWS + 1 - older);
    assert.ok(test.store.getOperation(running.id), 'a running entry is never pruned, however old');
    console.log(`journal prune with nothing due over ${String(ROWS)} entries: ${nothingDueMs.toFixed(3)} ms (${plan})`);
  });
});
