/**
 * Scheduled replication and remote retention, read from SQLite (issue 12). The replicas table is this
 * host's index of what it pushed: the remote reaper and the lag metric ask it, never a bucket listing.
 */
import type { Statement } from 'better-sqlite3';
import type { ReplicaKey } from '../core/replica.js';
import type { ChainLink, ReplicationQueriesPort, ReplicationTarget, ScheduleLag } from '../core/schedule-replication-runner.js';
import type { ExpiredGroup, RetentionQueriesPort } from '../core/remote-reaper.js';
import type { Database } from './database.js';
import { toMillis } from './row-mapping.js';

interface TargetRow {
  schedule_id: number;
  remote: string;
  expiry_days: number | null;
  full_every: number | null;
  container_id: string;
  snapshot_name: string;
  created_at: number;
}

/**
 * Per replicating schedule, the snapshot to push now: its oldest ready snapshot taken since replication
 * was turned on and after the watermark (the newest one a push was started for), without any replica
 * record in the remote; else the watermark snapshot itself when its upload failed longer ago than the
 * retry delay. Older snapshots are never pushed again (a replica the remote reaper deleted stays
 * deleted). A schedule whose container has an upload to that remote running is left out: one upload
 * at a time keeps each incremental's parent the previous replica of the chain.
 */
const NEXT_TO_REPLICATE_SQL = `
SELECT sc.id AS schedule_id, sc.replicate_remote AS remote, sc.replicate_expiry_days AS expiry_days,
       sc.replicate_full_every AS full_every, s.container_id, s.name AS snapshot_name, s.created_at
FROM schedules AS sc
JOIN snapshots AS s ON s.id = coalesce((
  SELECT o.id FROM snapshots AS o
  WHERE o.origin GLOB 'schedule:*' AND o.origin = 'schedule:' || sc.id AND o.state = 'ready'
    AND o.created_at >= coalesce(sc.replicate_since, 0) AND o.created_at > coalesce(sc.replicate_watermark, -1)
    AND NOT EXISTS (
      SELECT 1 FROM replicas AS r WHERE r.container_id = o.container_id AND r.snapshot_name = o.name AND r.remote_id = sc.replicate_remote
    )
  ORDER BY o.created_at, o.id
  LIMIT 1
), (
  SELECT o.id FROM snapshots AS o
  JOIN replicas AS r ON r.container_id = o.container_id AND r.snapshot_name = o.name AND r.remote_id = sc.replicate_remote
  WHERE o.origin GLOB 'schedule:*' AND o.origin = 'schedule:' || sc.id AND o.state = 'ready'
    AND o.created_at = sc.replicate_watermark AND r.state = 'failed' AND r.updated_at <= @retryBefore
  LIMIT 1
))
WHERE sc.replicate_remote IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM replicas AS u
    WHERE u.state = 'uploading' AND u.container_id = s.container_id AND u.remote_id = sc.replicate_remote
  )
ORDER BY sc.id`;

/**
 * Per replicating schedule: the creation time of its oldest snapshot still waiting for replication, i.e.
 * taken after the newest one with a ready replica (null: caught up). A 3-day remote outage shows as 3
 * days, not as the age of today's snapshot.
 */
const LAG_SQL = `
SELECT sc.id AS schedule_id, sc.container_id, sc.replicate_remote AS remote, (
  SELECT min(s.created_at) FROM snapshots AS s
  WHERE s.origin GLOB 'schedule:*' AND s.origin = 'schedule:' || sc.id AND s.state = 'ready'
    AND s.created_at >= coalesce(sc.replicate_since, 0)
    AND s.created_at > coalesce((
      SELECT max(o.created_at) FROM snapshots AS o
      JOIN replicas AS r ON r.container_id = o.container_id AND r.snapshot_name = o.name AND r.remote_id = sc.replicate_remote
      WHERE o.origin GLOB 'schedule:*' AND o.origin = 'schedule:' || sc.id AND r.state = 'ready'
    ), -1)
) AS unreplicated_since
FROM schedules AS sc
WHERE sc.replicate_remote IS NOT NULL
ORDER BY sc.id`;

export class ReplicationQueries implements ReplicationQueriesPort, RetentionQueriesPort {
  private readonly next: Statement<[{ retryBefore: number }], TargetRow>;
  private readonly chain: Statement<[{ scheduleId: number; remoteId: string; limit: number }], { full_requested: number; parent_snapshot: string | null; state: string }>;
  private readonly lag: Statement<[], { schedule_id: number; container_id: string; remote: string; unreplicated_since: number | null }>;
  private readonly groups: Statement<[{ now: number; afterContainer: string; afterRemote: string; limit: number }], { container_id: string; remote_id: string }>;
  private readonly keptBecause: Statement<[ReplicaKey & { why: string | null }]>;
  private readonly keepMin: Statement<[number], { keep_min: number }>;
  private readonly watermark: Statement<[{ id: number; at: number }]>;

  constructor(db: Database) {
    this.next = db.prepare(NEXT_TO_REPLICATE_SQL);
    this.chain = db.prepare(
      `SELECT full_requested, parent_snapshot, state FROM replicas INDEXED BY replicas_schedule
       WHERE schedule_id = @scheduleId AND remote_id = @remoteId AND state IN ('ready', 'uploading')
       ORDER BY created_at DESC, snapshot_name DESC LIMIT @limit`,
    );
    this.lag = db.prepare(LAG_SQL);
    // INDEXED BY: preparing fails instead of scanning every replica, should the index go missing.
    this.groups = db.prepare(
      `SELECT DISTINCT container_id, remote_id FROM replicas INDEXED BY replicas_expires_at
       WHERE expires_at IS NOT NULL AND expires_at <= @now AND (container_id, remote_id) > (@afterContainer, @afterRemote)
       ORDER BY container_id, remote_id LIMIT @limit`,
    );
    this.keptBecause = db.prepare(
      `UPDATE replicas SET kept_because = @why
       WHERE container_id = @containerId AND snapshot_name = @snapshotName AND remote_id = @remoteId AND kept_because IS NOT @why`,
    );
    this.keepMin = db.prepare('SELECT keep_min FROM schedules WHERE id = ?');
    this.watermark = db.prepare(
      'UPDATE schedules SET replicate_watermark = @at WHERE id = @id AND (replicate_watermark IS NULL OR replicate_watermark < @at)',
    );
  }

  nextToReplicate(now: Date, retryAfterMs: number): ReplicationTarget[] {
    return this.next.all({ retryBefore: toMillis(now) - retryAfterMs }).map((row) => ({
      scheduleId: row.schedule_id,
      remoteId: row.remote,
      expiryDays: row.expiry_days,
      fullEvery: row.full_every,
      containerId: row.container_id,
      snapshotName: row.snapshot_name,
      snapshotCreatedAt: new Date(row.created_at),
    }));
  }

  raiseWatermark(scheduleId: number, snapshotCreatedAt: Date): void {
    this.watermark.run({ id: scheduleId, at: toMillis(snapshotCreatedAt) });
  }

  chainTail(scheduleId: number, remoteId: string, limit: number): ChainLink[] {
    return this.chain.all({ scheduleId, remoteId, limit }).map((row) => ({
      fullRequested: row.full_requested === 1,
      parentSnapshot: row.parent_snapshot,
      state: row.state === 'uploading' ? 'uploading' : 'ready',
    }));
  }

  replicaLag(): ScheduleLag[] {
    return this.lag.all().map((row) => ({
      scheduleId: row.schedule_id,
      containerId: row.container_id,
      remoteId: row.remote,
      unreplicatedSince: row.unreplicated_since === null ? null : new Date(row.unreplicated_since),
    }));
  }

  expiredGroups(now: Date, limit: number, after?: ExpiredGroup): ExpiredGroup[] {
    return this.groups
      .all({ now: toMillis(now), afterContainer: after?.containerId ?? '', afterRemote: after?.remoteId ?? '', limit })
      .map((row) => ({ containerId: row.container_id, remoteId: row.remote_id }));
  }

  setKeptBecause(key: ReplicaKey, why: string | null): void {
    this.keptBecause.run({ containerId: key.containerId, snapshotName: key.snapshotName, remoteId: key.remoteId, why });
  }

  keepMinOf(scheduleId: number): number | undefined {
    return this.keepMin.get(scheduleId)?.keep_min;
  }
}
