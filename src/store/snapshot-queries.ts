/**
 * Reading snapshot records: by id, by name or alias, paged lists, the reaper's expiry query, and the
 * full list for start-up reconciliation. Filesystems are fetched in one query per call, not per row.
 */
import type { Statement } from 'better-sqlite3';
import type { SnapshotRecord } from '../core/model.js';
import type { SnapshotListQuery } from '../core/ports.js';
import type { Database } from './database.js';
import { toSnapshotRecord, type FilesystemRow, type SnapshotRow } from './row-mapping.js';
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

export class SnapshotQueries {
  private readonly byId: Statement<[number], SnapshotRow>;
  private readonly byName: Statement<[string, string], SnapshotRow>;
  private readonly byAlias: Statement<[string, string], SnapshotRow>;
  private readonly page: Statement<[ListParams], SnapshotRow>;
  private readonly pageTotal: Statement<[Omit<ListParams, 'limit' | 'offset'>], { total: number }>;
  private readonly countAll: Statement<[string], { total: number }>;
  private readonly everything: Statement<[], SnapshotRow>;
  private readonly filesystemsOf: Statement<[string], FilesystemRow>;
  private readonly allFilesystems: Statement<[], FilesystemRow>;

  constructor(db: Database, private readonly secretBox: SecretBox) {
    this.byId = db.prepare('SELECT * FROM snapshots WHERE id = ?');
    this.byName = db.prepare('SELECT * FROM snapshots WHERE container_id = ? AND name = ?');
    this.byAlias = db.prepare('SELECT * FROM snapshots WHERE container_id = ? AND alias = ?');
    this.page = db.prepare(`SELECT * FROM snapshots WHERE ${LIST_WHERE} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`);
    this.pageTotal = db.prepare(`SELECT count(*) AS total FROM snapshots WHERE ${LIST_WHERE}`);
    this.countAll = db.prepare('SELECT count(*) AS total FROM snapshots WHERE container_id = ?');
    this.everything = db.prepare('SELECT * FROM snapshots ORDER BY id');
    this.filesystemsOf = db.prepare(
      'SELECT * FROM snapshot_filesystems WHERE snapshot_id IN (SELECT value FROM json_each(?)) ORDER BY snapshot_id, position',
    );
    this.allFilesystems = db.prepare('SELECT * FROM snapshot_filesystems ORDER BY snapshot_id, position');
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
    return this.attach(this.everything.all(), this.allFilesystems.all());
  }

  private toRecords(rows: readonly SnapshotRow[]): SnapshotRecord[] {
    if (rows.length === 0) return [];
    return this.attach(rows, this.filesystemsOf.all(JSON.stringify(rows.map((row) => row.id))));
  }

  private attach(rows: readonly SnapshotRow[], filesystems: readonly FilesystemRow[]): SnapshotRecord[] {
    const bySnapshot = new Map<number, FilesystemRow[]>();
    for (const fs of filesystems) {
      const list = bySnapshot.get(fs.snapshot_id);
      if (list === undefined) bySnapshot.set(fs.snapshot_id, [fs]);
      else list.push(fs);
    }
    return rows.map((row) => toSnapshotRecord(row, bySnapshot.get(row.id) ?? [], this.secretBox));
  }
}

/** SQLite reads a negative LIMIT as "no limit"; a caller bug must not turn a page into the whole table. */
function assertCount(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a whole number >= 0, got ${value}`);
}
