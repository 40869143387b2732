/**
 * Snapshot counts and exclusive bytes per pool and state for the /metrics scrape. A scrape reads the
 * totals kept by triggers (snapshot-pool-totals-sql.ts) — a few rows, whatever the number of snapshots;
 * POOL_TOTALS_SQL is the full recount they must always equal (used once by the migration, and by tests).
 */
import type { Statement } from 'better-sqlite3';
import type { Database } from './database.js';

export interface PoolSnapshotTotals {
  readonly pool: string;
  readonly state: string;
  /** Snapshots with at least one filesystem on the pool. */
  readonly snapshots: number;
  /** Exclusive bytes are recorded per snapshot, not per filesystem: counted on its first filesystem's pool. */
  readonly bytes: number;
}

/** What a scrape reads: the kept totals, without the (pool, state) pairs that dropped to nothing. */
export const KEPT_TOTALS_SQL = 'SELECT pool, state, snapshots, bytes FROM snapshot_pool_totals WHERE snapshots <> 0 OR bytes <> 0';

// Positions start at 0 (snapshot-store.ts): position 0 is the snapshot's first filesystem.
export const POOL_TOTALS_SQL = `
  SELECT f.pool AS pool, s.state AS state, count(DISTINCT f.snapshot_id) AS snapshots,
         sum(CASE WHEN f.position = 0 THEN coalesce(s.size_bytes, 0) ELSE 0 END) AS bytes
  FROM snapshot_filesystems AS f JOIN snapshots AS s ON s.id = f.snapshot_id
  GROUP BY f.pool, s.state`;

export class SnapshotTotals {
  private readonly totals: Statement<[], PoolSnapshotTotals>;

  constructor(db: Database) {
    this.totals = db.prepare(KEPT_TOTALS_SQL);
  }

  byPoolAndState(): PoolSnapshotTotals[] {
    return this.totals.all();
  }
}
