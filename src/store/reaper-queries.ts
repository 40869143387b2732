/**
 * The reaper's view of the snapshots table: which expired snapshots to delete now, and the retry state
 * of a delete that failed. It also returns `deleting` rows whose expiry has
 * passed: a reaper run that crashed mid-delete leaves them, and the next run finishes.
 */
import type { Statement } from 'better-sqlite3';
import type { Database } from './database.js';
import type { ReapCandidate, ReapCursor, ReaperStore } from '../core/reaper.js';
import { toMillis } from './row-mapping.js';

/**
 * Walks the expires_at index (INDEXED BY: preparing fails instead of scanning, should it go missing) in
 * (expires_at, id) order after a cursor, so a run sees every row once even when it skips some. Left out:
 * rows waiting out a retry backoff, and a schedule's newest `keep_min` ready snapshots, which expiry
 * never deletes (a stalled container keeps its last backups).
 */
const REAPABLE_WHERE = `s.expires_at IS NOT NULL AND s.expires_at <= @now
    AND s.state IN ('ready', 'failed', 'deleting')
    AND (s.next_reap_at IS NULL OR s.next_reap_at <= @now)
    AND NOT (
      s.state = 'ready' AND s.origin GLOB 'schedule:*' AND EXISTS (
        SELECT 1 FROM schedules AS sc
        WHERE sc.id = CAST(substr(s.origin, 10) AS INTEGER)
          AND sc.keep_min > (
            -- Newer ready snapshots of the same schedule. The GLOB repeats the partial index's condition
            -- so SQLite may use it: a range on (origin, created_at, id), i.e. only the newer ones are read.
            SELECT count(*) FROM snapshots AS n
            WHERE n.origin GLOB 'schedule:*' AND n.origin = s.origin AND n.state = 'ready'
              AND (n.created_at, n.id) > (s.created_at, s.id)
          )
      )
    )`;

export const REAPABLE_SQL = `SELECT s.id, s.container_id, s.expires_at, s.reap_attempts
  FROM snapshots AS s INDEXED BY snapshots_expires_at
  WHERE ${REAPABLE_WHERE}
    AND (s.expires_at, s.id) > (@afterExpiresAt, @afterId)
  ORDER BY s.expires_at, s.id
  LIMIT @limit`;

interface CandidateRow {
  id: number;
  container_id: string;
  expires_at: number;
  reap_attempts: number;
}

export class ReaperQueries implements ReaperStore {
  private readonly reapable: Statement<[{ now: number; afterExpiresAt: number; afterId: number; limit: number }], CandidateRow>;
  private readonly stillReapable: Statement<[{ id: number; now: number }], { id: number }>;
  private readonly failure: Statement<[{ id: number; next: number }]>;

  constructor(db: Database) {
    this.reapable = db.prepare(REAPABLE_SQL);
    this.stillReapable = db.prepare(`SELECT s.id FROM snapshots AS s WHERE s.id = @id AND ${REAPABLE_WHERE}`);
    this.failure = db.prepare('UPDATE snapshots SET reap_attempts = reap_attempts + 1, next_reap_at = @next WHERE id = @id');
  }

  /** Up to `limit` snapshots to delete at `now`, soonest expired first, after `cursor` when given. */
  listReapable(now: Date, limit: number, cursor?: ReapCursor): ReapCandidate[] {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
    const rows = this.reapable.all({
      now: toMillis(now),
      afterExpiresAt: cursor === undefined ? Number.MIN_SAFE_INTEGER : toMillis(cursor.expiresAt),
      afterId: cursor === undefined ? 0 : cursor.id,
      limit,
    });
    return rows.map((row) => ({ id: row.id, containerId: row.container_id, expiresAt: new Date(row.expires_at), reapAttempts: row.reap_attempts }));
  }

  /**
   * Asked again under the container's lock, just before deleting: meanwhile an update may have changed
   * the expiry, or an API delete of a newer snapshot may have made this one part of keep_min.
   */
  isReapable(id: number, now: Date): boolean {
    return this.stillReapable.get({ id, now: toMillis(now) }) !== undefined;
  }

  /** A delete failed: count it and wait until `retryAt` (the error itself is on the snapshot's `error`). */
  recordReapFailure(id: number, retryAt: Date): void {
    this.failure.run({ id, next: toMillis(retryAt) });
  }
}
