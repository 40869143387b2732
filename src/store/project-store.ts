/**
 * Projects and their quotas, and what each project uses: counted from the snapshot, schedule and replica
 * rows (a container's project decides), so use can never drift from what exists.
 */
import type { Statement } from 'better-sqlite3';
import type { ProjectQuotas, ProjectRecord, ProjectUsage } from '../core/access/project.js';
import type { Database } from './database.js';

interface ProjectRow {
  readonly id: string;
  readonly created_at: number;
  readonly max_snapshots: number | null;
  readonly max_snapshot_bytes: number | null;
  readonly max_schedules: number | null;
  readonly max_replica_bytes: string;
}

interface QuotaParams {
  id: string;
  maxSnapshots: number | null;
  maxSnapshotBytes: number | null;
  maxSchedules: number | null;
  maxReplicaBytes: string;
}

// Snapshots being made count: two concurrent creates must see each other's reservation.
const HOLDING = "state IN ('creating', 'ready')";
// Replicas being uploaded count too, as their bytes arrive.
const REPLICA_HOLDING = "state IN ('uploading', 'ready')";

/** A project's snapshots and their bytes (the snapshots_project_usage index covers it: no row is read). */
export const SNAPSHOT_USAGE_SQL = `SELECT count(*) AS n, coalesce(sum(size_bytes), 0) AS bytes FROM snapshots INDEXED BY snapshots_project_usage
  WHERE project_id = ? AND ${HOLDING}`;

export class ProjectStore {
  private readonly insert: Statement<[QuotaParams & { createdAt: number }], ProjectRow>;
  private readonly update: Statement<[QuotaParams], ProjectRow>;
  private readonly byId: Statement<[string], ProjectRow>;
  private readonly all: Statement<[], ProjectRow>;
  private readonly remove: Statement<[string]>;
  private readonly snapshotUse: Statement<[string], { n: number; bytes: number }>;
  private readonly scheduleUse: Statement<[string], { n: number }>;
  private readonly containerUse: Statement<[string], { n: number }>;
  private readonly replicaUse: Statement<[string], { remote_id: string; bytes: number }>;
  private readonly containerSnapshotUse: Statement<[string], { n: number; bytes: number }>;
  private readonly containerScheduleUse: Statement<[string], { n: number }>;
  private readonly containerReplicaUse: Statement<[string], { remote_id: string; bytes: number }>;

  constructor(readonly db: Database) {
    this.insert = db.prepare(
      `INSERT INTO projects (id, created_at, max_snapshots, max_snapshot_bytes, max_schedules, max_replica_bytes)
       VALUES (@id, @createdAt, @maxSnapshots, @maxSnapshotBytes, @maxSchedules, @maxReplicaBytes) RETURNING *`,
    );
    this.update = db.prepare(
      `UPDATE projects SET max_snapshots = @maxSnapshots, max_snapshot_bytes = @maxSnapshotBytes, max_schedules = @maxSchedules,
         max_replica_bytes = @maxReplicaBytes WHERE id = @id RETURNING *`,
    );
    this.byId = db.prepare('SELECT * FROM projects WHERE id = ?');
    this.all = db.prepare('SELECT * FROM projects ORDER BY id');
    this.remove = db.prepare('DELETE FROM projects WHERE id = ?');
    // INDEXED BY: preparing fails instead of reading every snapshot row per scrape, should the index go missing.
    this.snapshotUse = db.prepare(SNAPSHOT_USAGE_SQL);
    this.scheduleUse = db.prepare('SELECT count(*) AS n FROM schedules WHERE container_id IN (SELECT id FROM containers WHERE project_id = ?)');
    this.containerUse = db.prepare('SELECT count(*) AS n FROM containers WHERE project_id = ?');
    this.replicaUse = db.prepare(
      `SELECT remote_id, coalesce(sum(stored_bytes), 0) AS bytes FROM replicas
       WHERE container_id IN (SELECT id FROM containers WHERE project_id = ?) AND ${REPLICA_HOLDING}
       GROUP BY remote_id ORDER BY remote_id`,
    );
    this.containerSnapshotUse = db.prepare(`SELECT count(*) AS n, coalesce(sum(size_bytes), 0) AS bytes FROM snapshots WHERE container_id = ? AND ${HOLDING}`);
    this.containerScheduleUse = db.prepare('SELECT count(*) AS n FROM schedules WHERE container_id = ?');
    this.containerReplicaUse = db.prepare(
      `SELECT remote_id, coalesce(sum(stored_bytes), 0) AS bytes FROM replicas
       WHERE container_id = ? AND ${REPLICA_HOLDING} GROUP BY remote_id ORDER BY remote_id`,
    );
  }

  createProject(id: string, quotas: ProjectQuotas, at: Date): ProjectRecord {
    const row = this.insert.get({ id, createdAt: at.getTime(), ...quotaParams(quotas) });
    if (row === undefined) throw new Error(`insert of project ${id} returned no row`);
    return toRecord(row);
  }

  setQuotas(id: string, quotas: ProjectQuotas): ProjectRecord | undefined {
    const row = this.update.get({ id, ...quotaParams(quotas) });
    return row === undefined ? undefined : toRecord(row);
  }

  getProject(id: string): ProjectRecord | undefined {
    const row = this.byId.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  listProjects(): ProjectRecord[] {
    return this.all.all().map(toRecord);
  }

  deleteProject(id: string): void {
    this.remove.run(id);
  }

  /** What one container holds of its project's quotas: what a move takes to the other project. */
  containerUsage(containerId: string): Omit<ProjectUsage, 'containers'> {
    const snapshots = this.containerSnapshotUse.get(containerId) ?? { n: 0, bytes: 0 };
    const replicaBytes: Record<string, number> = {};
    for (const row of this.containerReplicaUse.all(containerId)) replicaBytes[row.remote_id] = row.bytes;
    return { snapshots: snapshots.n, snapshotBytes: snapshots.bytes, schedules: this.containerScheduleUse.get(containerId)?.n ?? 0, replicaBytes };
  }

  usage(id: string): ProjectUsage {
    const snapshots = this.snapshotUse.get(id) ?? { n: 0, bytes: 0 };
    const replicaBytes: Record<string, number> = {};
    for (const row of this.replicaUse.all(id)) replicaBytes[row.remote_id] = row.bytes;
    return {
      containers: this.containerUse.get(id)?.n ?? 0,
      snapshots: snapshots.n,
      snapshotBytes: snapshots.bytes,
      schedules: this.scheduleUse.get(id)?.n ?? 0,
      replicaBytes,
    };
  }
}

function quotaParams(quotas: ProjectQuotas): Omit<QuotaParams, 'id'> {
  return {
    maxSnapshots: quotas.maxSnapshots,
    maxSnapshotBytes: quotas.maxSnapshotBytes,
    maxSchedules: quotas.maxSchedules,
    maxReplicaBytes: JSON.stringify(quotas.maxReplicaBytes),
  };
}

function toRecord(row: ProjectRow): ProjectRecord {
  return {
    id: row.id,
    createdAt: new Date(row.created_at),
    quotas: {
      maxSnapshots: row.max_snapshots,
      maxSnapshotBytes: row.max_snapshot_bytes,
      maxSchedules: row.max_schedules,
      maxReplicaBytes: JSON.parse(row.max_replica_bytes) as Record<string, number>,
    },
  };
}
