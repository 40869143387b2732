/** This host's replica records (core/replica.ts): one row per snapshot and remote. */
import type { Statement } from 'better-sqlite3';
import { PLAIN_PUSH, type ReplicaIntent, type ReplicaKey, type ReplicaRecord, type ReplicaState, type ReplicaStorePort } from '../core/replica.js';
import { NotFoundError } from '../errors/not-found-error.js';
import type { Database } from './database.js';

export interface ReplicaRow {
  readonly container_id: string;
  readonly snapshot_name: string;
  readonly remote_id: string;
  readonly snapshot_id: number;
  readonly state: ReplicaState;
  readonly parent_snapshot: string | null;
  readonly plain_bytes: number | null;
  readonly stored_bytes: number | null;
  readonly uploaded_at: number | null;
  readonly error: string | null;
  readonly operation_id: number | null;
  readonly created_at: number;
  readonly updated_at: number;
  readonly expires_at: number | null;
  readonly schedule_id: number | null;
  readonly full_requested: number;
  readonly kept_because: string | null;
}

interface IntentParams {
  expiresAt: number | null;
  scheduleId: number | null;
  full: number;
}

const KEY = 'container_id = @containerId AND snapshot_name = @snapshotName AND remote_id = @remoteId';

export class ReplicaStore implements ReplicaStorePort {
  private readonly upsert: Statement<[ReplicaKey & IntentParams & { snapshotId: number; operationId: number; now: number }], ReplicaRow>;
  private readonly setParent: Statement<[ReplicaKey & { parent: string | null; now: number }]>;
  private readonly ready: Statement<[ReplicaKey & { plain: number; stored: number; uploadedAt: number; parent: string | null }], ReplicaRow>;
  private readonly failed: Statement<[ReplicaKey & { error: string; now: number }]>;
  private readonly one: Statement<[ReplicaKey], ReplicaRow>;
  private readonly ofSnapshot: Statement<[string, string], ReplicaRow>;
  private readonly ofSnapshots: Statement<[string, string], ReplicaRow>;
  private readonly ofContainer: Statement<[string, string], ReplicaRow>;
  private readonly inState: Statement<[string], ReplicaRow>;
  private readonly remove: Statement<[ReplicaKey]>;

  constructor(db: Database) {
    this.upsert = db.prepare(
      `INSERT INTO replicas (container_id, snapshot_name, remote_id, snapshot_id, state, operation_id, created_at, updated_at,
                             expires_at, schedule_id, full_requested)
       VALUES (@containerId, @snapshotName, @remoteId, @snapshotId, 'uploading', @operationId, @now, @now, @expiresAt, @scheduleId, @full)
       ON CONFLICT (container_id, snapshot_name, remote_id) DO UPDATE SET
         snapshot_id = excluded.snapshot_id, state = 'uploading', operation_id = excluded.operation_id, parent_snapshot = NULL,
         plain_bytes = NULL, stored_bytes = NULL, uploaded_at = NULL, error = NULL, updated_at = excluded.updated_at,
         expires_at = excluded.expires_at, schedule_id = excluded.schedule_id, full_requested = excluded.full_requested, kept_because = NULL
       RETURNING *`,
    );
    this.setParent = db.prepare(`UPDATE replicas SET parent_snapshot = @parent, updated_at = @now WHERE ${KEY}`);
    this.ready = db.prepare(
      `UPDATE replicas SET state = 'ready', plain_bytes = @plain, stored_bytes = @stored, uploaded_at = @uploadedAt,
         parent_snapshot = @parent, error = NULL, updated_at = @uploadedAt WHERE ${KEY} RETURNING *`,
    );
    this.failed = db.prepare(`UPDATE replicas SET state = 'failed', error = @error, updated_at = @now WHERE ${KEY}`);
    this.one = db.prepare(`SELECT * FROM replicas WHERE ${KEY}`);
    this.ofSnapshot = db.prepare('SELECT * FROM replicas WHERE container_id = ? AND snapshot_name = ? ORDER BY remote_id');
    this.ofSnapshots = db.prepare(
      'SELECT * FROM replicas WHERE container_id = ? AND snapshot_name IN (SELECT value FROM json_each(?)) ORDER BY snapshot_name, remote_id',
    );
    this.ofContainer = db.prepare('SELECT * FROM replicas WHERE container_id = ? AND remote_id = ? ORDER BY snapshot_name');
    this.inState = db.prepare('SELECT * FROM replicas WHERE state = ? ORDER BY updated_at');
    this.remove = db.prepare(`DELETE FROM replicas WHERE ${KEY}`);
  }

  beginReplica(input: ReplicaKey & { snapshotId: number; operationId: number; intent?: ReplicaIntent }, at: Date): ReplicaRecord {
    const intent = input.intent ?? PLAIN_PUSH;
    const row = this.upsert.get({
      ...keyOf(input),
      snapshotId: input.snapshotId,
      operationId: input.operationId,
      now: at.getTime(),
      expiresAt: intent.expiresAt?.getTime() ?? null,
      scheduleId: intent.scheduleId,
      full: intent.full ? 1 : 0,
    });
    if (row === undefined) throw new Error('replica upsert returned no row');
    return toReplicaRecord(row);
  }

  setReplicaParent(key: ReplicaKey, parentSnapshot: string | null, at: Date): void {
    this.setParent.run({ ...keyOf(key), parent: parentSnapshot, now: at.getTime() });
  }

  markReplicaReady(key: ReplicaKey, fields: { plainBytes: number; storedBytes: number; uploadedAt: Date; parentSnapshot: string | null }): ReplicaRecord {
    const row = this.ready.get({
      ...keyOf(key),
      plain: fields.plainBytes,
      stored: fields.storedBytes,
      uploadedAt: fields.uploadedAt.getTime(),
      parent: fields.parentSnapshot,
    });
    if (row === undefined) throw notFound(key);
    return toReplicaRecord(row);
  }

  markReplicaFailed(key: ReplicaKey, error: string, at: Date): void {
    this.failed.run({ ...keyOf(key), error, now: at.getTime() });
  }

  getReplica(key: ReplicaKey): ReplicaRecord | undefined {
    const row = this.one.get(keyOf(key));
    return row === undefined ? undefined : toReplicaRecord(row);
  }

  listReplicasOfSnapshot(containerId: string, snapshotName: string): ReplicaRecord[] {
    return this.ofSnapshot.all(containerId, snapshotName).map(toReplicaRecord);
  }

  /** The replicas of several snapshots of one container in one query (a list page), by snapshot name. */
  listReplicasOfSnapshots(containerId: string, snapshotNames: readonly string[]): Map<string, ReplicaRecord[]> {
    const bySnapshot = new Map<string, ReplicaRecord[]>();
    if (snapshotNames.length === 0) return bySnapshot;
    for (const row of this.ofSnapshots.all(containerId, JSON.stringify(snapshotNames))) {
      const list = bySnapshot.get(row.snapshot_name);
      if (list === undefined) bySnapshot.set(row.snapshot_name, [toReplicaRecord(row)]);
      else list.push(toReplicaRecord(row));
    }
    return bySnapshot;
  }

  listReplicasOfContainer(containerId: string, remoteId: string): ReplicaRecord[] {
    return this.ofContainer.all(containerId, remoteId).map(toReplicaRecord);
  }

  listReplicasInState(state: ReplicaState): ReplicaRecord[] {
    return this.inState.all(state).map(toReplicaRecord);
  }

  deleteReplicaRecord(key: ReplicaKey): void {
    this.remove.run(keyOf(key));
  }
}

// better-sqlite3 rejects named parameters the statement does not use, so pass exactly the key.
function keyOf(key: ReplicaKey): ReplicaKey {
  return { containerId: key.containerId, snapshotName: key.snapshotName, remoteId: key.remoteId };
}

export function toReplicaRecord(row: ReplicaRow): ReplicaRecord {
  return {
    containerId: row.container_id,
    snapshotName: row.snapshot_name,
    remoteId: row.remote_id,
    snapshotId: row.snapshot_id,
    state: row.state,
    parentSnapshot: row.parent_snapshot,
    plainBytes: row.plain_bytes,
    storedBytes: row.stored_bytes,
    uploadedAt: row.uploaded_at === null ? null : new Date(row.uploaded_at),
    error: row.error,
    operationId: row.operation_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    scheduleId: row.schedule_id,
    fullRequested: row.full_requested === 1,
    keptBecause: row.kept_because,
  };
}

function notFound(key: ReplicaKey): NotFoundError {
  return new NotFoundError('replica_not_found', `Snapshot ${key.snapshotName} has no replica record in remote ${key.remoteId}.`);
}
