/**
 * Reading snapshot records: by id, by name or alias, paged lists, the reaper's expiry query, and the
 * full list for start-up reconciliation. One statement per read: each row carries its filesystems as a
 * JSON array built by SQLite; the sealed `config` is not selected (fetched by id when a caller reads it).
 */
import type { Statement } from 'better-sqlite3';
import type { SnapshotRecord, SnapshotState } from '../core/model.js';
import type { RecordedStorage, SnapshotListQuery } from '../core/ports.js';
import type { Database } from './database.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { toSnapshotRecord, type SnapshotReadRow } from './row-mapping.js';
import type { SecretBox } from './secret-box.js';

export type { SnapshotListQuery } from '../core/ports.js';

interface ListParams {
  containerId: string;
  alias: string | null;
  state: string | null;
  origin: string | null;
  tag: string | null;
  limit: number;
  offset: number;
}

// NULL means "no filter"; 'schedule' stands for every 'schedule:<id>'.
const LIST_WHERE = `container_id = @containerId
  AND (@alias IS NULL OR alias = @alias)
  AND (@state IS NULL OR state = @state)
  AND (@origin IS NULL OR origin = @origin OR (@origin = 'schedule' AND origin GLOB 'schedule:*'))
  AND (@tag IS NULL OR EXISTS (SELECT 1 FROM json_each(snapshots.tags) WHERE json_each.value = @tag))`;

// One JSON array per row: every column but `config`, in SnapshotReadRow's order, the JSON columns (tags,
// uncaptured) nested as they are, plus the filesystems in position order with CapturedFilesystem's field
// names. One string per row and one JSON.parse cost less than better-sqlite3 making a JS value of each of
// 16 columns and three JSON.parse calls (bench/list-steps.ts).
const READ_COLUMNS = `json_array(id, container_id, container_name, project_id, name, alias, created_at, expires_at, last_used_at,
  state, size_bytes, json(tags), json(uncaptured), origin, error,
  (SELECT json_group_array(json_object('role', role, 'mountPoint', mount_point, 'driver', driver, 'pool', pool, 'dataset', dataset))
     FROM (SELECT * FROM snapshot_filesystems WHERE snapshot_id = snapshots.id ORDER BY position)))`;

// `INDEXED BY`: should the index go, the statement fails to prepare instead of reading every record.
export const CREATING_SQL = `SELECT $COLUMNS FROM snapshots INDEXED BY snapshots_creating WHERE state = 'creating' ORDER BY id`;

export const RECORDED_STORAGE_SQL = `SELECT s.id, s.name, s.state, s.container_name, f.pool, f.dataset
  FROM snapshots s LEFT JOIN snapshot_filesystems f ON f.snapshot_id = s.id ORDER BY s.id, f.position`;

type RecordedStorageRow = [number, string, SnapshotState, string, string | null, string | null];

export class SnapshotQueries {
  private readonly byId: Statement<[number], string>;
  private readonly byName: Statement<[string, string], string>;
  private readonly byAlias: Statement<[string, string], string>;
  private readonly page: Statement<[ListParams], string>;
  private readonly pageTotal: Statement<[Omit<ListParams, 'limit' | 'offset'>], { total: number }>;
  private readonly countAll: Statement<[string], { total: number }>;
  private readonly everything: Statement<[], string>;
  /** Prepared on first use: a store opened on a database before the index's migration (tests of older schemas) still works. */
  private readonly creating: () => Statement<[], string>;
  private readonly recordedStorage: Statement<[], RecordedStorageRow>;
  private readonly configStatement: Statement<[number], { config: string }>;

  constructor(db: Database, private readonly secretBox: SecretBox) {
    this.byId = db.prepare<[number], string>(`SELECT ${READ_COLUMNS} FROM snapshots WHERE id = ?`).pluck();
    this.byName = db.prepare<[string, string], string>(`SELECT ${READ_COLUMNS} FROM snapshots WHERE container_id = ? AND name = ?`).pluck();
    this.byAlias = db.prepare<[string, string], string>(`SELECT ${READ_COLUMNS} FROM snapshots WHERE container_id = ? AND alias = ?`).pluck();
    this.page = db
      .prepare<[ListParams], string>(`SELECT ${READ_COLUMNS} FROM snapshots WHERE ${LIST_WHERE} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`)
      .pluck();
    this.pageTotal = db.prepare(`SELECT count(*) AS total FROM snapshots WHERE ${LIST_WHERE}`);
    this.countAll = db.prepare('SELECT count(*) AS total FROM snapshots WHERE container_id = ?');
    this.everything = db.prepare<[], string>(`SELECT ${READ_COLUMNS} FROM snapshots ORDER BY id`).pluck();
    let creating: Statement<[], string> | undefined;
    this.creating = () => (creating ??= db.prepare<[], string>(CREATING_SQL.replace('$COLUMNS', READ_COLUMNS)).pluck());
    this.recordedStorage = db.prepare<[], RecordedStorageRow>(RECORDED_STORAGE_SQL).raw();
    this.configStatement = db.prepare('SELECT config FROM snapshots WHERE id = ?');
  }

  getSnapshot(id: number): SnapshotRecord | undefined {
    const row = this.byId.get(id);
    return row === undefined ? undefined : this.toRecords([row])[0];
  }

  /** A snapshot of the container by name, else by alias (the name wins when both match). Any state. */
  resolveSnapshot(containerId: string, ref: string): SnapshotRecord | undefined {
    const row = this.byName.get(containerId, ref) ?? this.byAlias.get(containerId, ref);
    return row === undefined ? undefined : this.toRecords([row])[0];
  }

  /** Newest first (created_at, then id, descending); `total` counts every match, not just this page. */
  listSnapshots(containerId: string, query: SnapshotListQuery): { snapshots: SnapshotRecord[]; total: number } {
    assertCount('limit', query.limit);
    assertCount('offset', query.offset);
    const filters = { containerId, alias: query.alias ?? null, state: query.state ?? null, origin: query.origin ?? null, tag: query.tag ?? null };
    const rows = this.page.all({ ...filters, limit: query.limit, offset: query.offset });
    return { snapshots: this.toRecords(rows), total: this.pageTotal.get(filters)?.total ?? 0 };
  }

  /** Every record of the container, whatever its state. */
  countSnapshots(containerId: string): number {
    return this.countAll.get(containerId)?.total ?? 0;
  }

  /** Every record in every state, for start-up reconciliation with storage. */
  listAllSnapshots(): SnapshotRecord[] {
    return this.toRecords(this.everything.all());
  }

  /** The records still `creating`: start-up removes the half-made ones. By an index, not a read of every record. */
  listCreatingSnapshots(): SnapshotRecord[] {
    return this.toRecords(this.creating().all());
  }

  /**
   * What start-up compares with storage, one array row per filesystem: every record is read (the comparison
   * must see each), but not built as a record (~20 µs each at 10,000, twice per start-up before).
   */
  listRecordedStorage(): RecordedStorage[] {
    return this.recordedStorage.all().map(([id, name, state, containerName, pool, dataset]) => ({ id, name, state, containerName, pool, dataset }));
  }

  private toRecords(rows: readonly string[]): SnapshotRecord[] {
    return rows.map((text) => {
      const row = JSON.parse(text) as SnapshotReadRow;
      return toSnapshotRecord(row, () => this.configOf(row), this.secretBox);
    });
  }

  /** The stored config of a record read earlier; config is never changed, but the row may be gone by now. */
  private configOf(row: SnapshotReadRow): string {
    const [id, , , , name] = row;
    const found = this.configStatement.get(id);
    if (found === undefined) throw new NotFoundError('snapshot_not_found', `Snapshot ${name} no longer exists.`);
    return found.config;
  }
}

/** SQLite reads a negative LIMIT as "no limit"; a caller bug must not turn a page into the whole table. */
function assertCount(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a whole number >= 0, got ${value}`);
}
