/**
 * Tracked operations (core/operations.ts): what GET /operations/:id shows. Progress is written by the
 * caller at a bounded rate (replica-progress.ts), so a fast upload does not turn into a write storm.
 */
import type { Statement } from 'better-sqlite3';
import type { Clock } from '../core/clock.js';
import type { OperationErrorCode } from '../errors/error-codes.js';
import type {
  NewOperation,
  OperationError,
  OperationKindName,
  OperationOutcome,
  OperationQuery,
  OperationRecord,
  OperationStatus,
  OperationStorePort,
} from '../core/operations.js';
import { NotFoundError } from '../errors/not-found-error.js';
import type { Database } from './database.js';

interface OperationRow {
  readonly id: number;
  readonly kind: OperationKindName;
  readonly status: OperationStatus;
  readonly container_id: string | null;
  readonly snapshot_name: string | null;
  readonly target: string | null;
  readonly bytes_done: number;
  readonly bytes_total: number | null;
  /** Written by finish() from an OperationError: a code of the typed list. */
  readonly error_code: OperationErrorCode | null;
  readonly error_message: string | null;
  readonly started_at: number;
  readonly updated_at: number;
  readonly finished_at: number | null;
}

interface ListParams {
  containerId: string | null;
  projectId: string | null;
  status: OperationStatus | null;
  limit: number;
  offset: number;
}

const FILTER = `(@containerId IS NULL OR container_id = @containerId) AND (@status IS NULL OR status = @status)
  AND (@projectId IS NULL OR container_id IN (SELECT id FROM containers WHERE project_id = @projectId))`;

export class OperationStore implements OperationStorePort {
  private readonly insert: Statement<[{ kind: string; status: string; containerId: string | null; snapshotName: string | null; target: string | null; now: number }], OperationRow>;
  private readonly byId: Statement<[number], OperationRow>;
  private readonly setRunning: Statement<[number, number]>;
  private readonly setProgress: Statement<[number, number | null, number, number]>;
  private readonly finish: Statement<[{ id: number; status: string; code: string | null; message: string | null; snapshotName: string | null; containerId: string | null; now: number }]>;
  private readonly prune: Statement<[number]>;
  private readonly page: Statement<[ListParams], OperationRow>;
  private readonly count: Statement<[Omit<ListParams, 'limit' | 'offset'>], { n: number }>;

  constructor(
    db: Database,
    private readonly clock: Clock,
  ) {
    this.insert = db.prepare(
      `INSERT INTO tracked_operations (kind, status, container_id, snapshot_name, target, started_at, updated_at)
       VALUES (@kind, @status, @containerId, @snapshotName, @target, @now, @now) RETURNING *`,
    );
    this.byId = db.prepare('SELECT * FROM tracked_operations WHERE id = ?');
    // A restarted upload starts counting again; the error of an earlier attempt is gone with its status.
    this.setRunning = db.prepare(
      "UPDATE tracked_operations SET status = 'running', bytes_done = 0, bytes_total = NULL, error_code = NULL, error_message = NULL, finished_at = NULL, updated_at = ? WHERE id = ?",
    );
    this.setProgress = db.prepare("UPDATE tracked_operations SET bytes_done = ?, bytes_total = ?, updated_at = ? WHERE id = ? AND status = 'running'");
    this.finish = db.prepare(
      'UPDATE tracked_operations SET status = @status, error_code = @code, error_message = @message, snapshot_name = coalesce(@snapshotName, snapshot_name), container_id = coalesce(@containerId, container_id), updated_at = @now, finished_at = @now WHERE id = @id',
    );
    this.prune = db.prepare('DELETE FROM tracked_operations WHERE finished_at IS NOT NULL AND finished_at < ?');
    this.page = db.prepare(`SELECT * FROM tracked_operations WHERE ${FILTER} ORDER BY id DESC LIMIT @limit OFFSET @offset`);
    this.count = db.prepare(`SELECT count(*) AS n FROM tracked_operations WHERE ${FILTER}`);
  }

  createOperation(input: NewOperation, status: OperationStatus): OperationRecord {
    const row = this.insert.get({ ...input, status, now: this.now() });
    if (row === undefined) throw new Error('operation insert returned no row');
    return toRecord(row);
  }

  markOperationRunning(id: number): void {
    if (this.setRunning.run(this.now(), id).changes === 0) throw notFound(id);
  }

  recordOperationProgress(id: number, bytesDone: number, bytesTotal: number | null): void {
    this.setProgress.run(bytesDone, bytesTotal, this.now(), id);
  }

  finishOperation(id: number, outcome: OperationOutcome): OperationRecord {
    const error: OperationError | null = outcome.status === 'failed' ? outcome.error : null;
    const changes = this.finish.run({
      id,
      status: outcome.status,
      code: error?.code ?? null,
      message: error?.message ?? null,
      snapshotName: outcome.snapshotName ?? null,
      containerId: outcome.containerId ?? null,
      now: this.now(),
    }).changes;
    if (changes === 0) throw notFound(id);
    return this.mustGet(id);
  }

  /** Finished operations older than `before` go (event retention); running ones always stay. */
  pruneFinished(before: Date): number {
    return this.prune.run(before.getTime()).changes;
  }

  getOperation(id: number): OperationRecord | undefined {
    const row = this.byId.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  listOperations(query: OperationQuery): { operations: OperationRecord[]; total: number } {
    const filter = { containerId: query.containerId ?? null, projectId: query.projectId ?? null, status: query.status ?? null };
    const operations = this.page.all({ ...filter, limit: query.limit, offset: query.offset }).map(toRecord);
    return { operations, total: this.count.get(filter)?.n ?? 0 };
  }

  private mustGet(id: number): OperationRecord {
    const record = this.getOperation(id);
    if (record === undefined) throw notFound(id);
    return record;
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}

function toRecord(row: OperationRow): OperationRecord {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    containerId: row.container_id,
    snapshotName: row.snapshot_name,
    target: row.target,
    bytesDone: row.bytes_done,
    bytesTotal: row.bytes_total,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    startedAt: new Date(row.started_at),
    updatedAt: new Date(row.updated_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
  };
}

function notFound(id: number): NotFoundError {
  return new NotFoundError('operation_not_found', `There is no operation ${String(id)}.`);
}
