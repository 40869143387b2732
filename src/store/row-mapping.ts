/**
 * Rows as SQLite returns them, and their conversion to the records of `core/model.ts`. Times are
 * stored as integer milliseconds (UTC) and returned as `Date`.
 */
import type {
  CapturedFilesystem,
  ContainerRecord,
  FilesystemRole,
  JournalEntry,
  OperationKind,
  OperationState,
  SnapshotOrigin,
  SnapshotRecord,
  SnapshotState,
  UncapturedFilesystem,
} from '../core/model.js';
import type { DriverName } from '../../storage-drivers/driver.js';
import type { SecretBox } from './secret-box.js';
import { decodeConfig } from './snapshot-config-codec.js';
import { LazySnapshotRecord } from '../core/lazy-snapshot-record.js';

export interface ContainerRow {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly first_seen_at: number;
  readonly last_seen_at: number;
  readonly removed_at: number | null;
  readonly project_id: string;
}

export interface SnapshotRow {
  readonly id: number;
  readonly container_id: string;
  readonly container_name: string;
  readonly project_id: string;
  readonly name: string;
  readonly alias: string | null;
  readonly created_at: number;
  readonly expires_at: number | null;
  readonly last_used_at: number | null;
  readonly state: SnapshotState;
  readonly size_bytes: number | null;
  readonly tags: string;
  readonly uncaptured: string;
  readonly config: string;
  readonly origin: string;
  readonly error: string | null;
}

/**
 * A snapshot row as the read queries return it, as an array in READ_COLUMNS order (snapshot-queries.ts):
 * no `config` (fetched by id when read) and the captured filesystems already aggregated by SQLite as a
 * JSON array of CapturedFilesystem, in position order. Arrays, not objects: better-sqlite3 builds an
 * object row key by key, which cost more than half of listing 50 snapshots.
 */
export type SnapshotReadRow = readonly [
  id: number,
  containerId: string,
  containerName: string,
  projectId: string,
  name: string,
  alias: string | null,
  createdAt: number,
  expiresAt: number | null,
  lastUsedAt: number | null,
  state: SnapshotState,
  sizeBytes: number | null,
  tags: string[],
  uncaptured: UncapturedFilesystem[],
  origin: string,
  error: string | null,
  filesystems: CapturedFilesystem[],
];

export interface FilesystemRow {
  readonly snapshot_id: number;
  readonly position: number;
  readonly role: FilesystemRole;
  readonly mount_point: string;
  readonly driver: DriverName;
  readonly pool: string;
  readonly dataset: string;
}

export interface OperationRow {
  readonly id: number;
  readonly kind: OperationKind;
  readonly container_id: string;
  readonly snapshot_name: string | null;
  readonly state: OperationState;
  readonly step: string;
  readonly payload: string;
  readonly started_at: number;
  readonly updated_at: number;
  readonly error: string | null;
}

/** A Date as stored; an invalid Date is a bug upstream and must not become NULL ("never expires"). */
export function toMillis(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('Cannot store an invalid Date');
  return ms;
}

export function toMillisOrNull(date: Date | null): number | null {
  return date === null ? null : toMillis(date);
}

function toDateOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

export function toContainerRecord(row: ContainerRow): ContainerRecord {
  return {
    id: row.id,
    name: row.name,
    image: row.image,
    firstSeenAt: new Date(row.first_seen_at),
    lastSeenAt: new Date(row.last_seen_at),
    removedAt: toDateOrNull(row.removed_at),
    projectId: row.project_id,
  };
}

/**
 * `loadConfig` returns the row's stored `config` column; it runs only when a caller reads `config`
 * (restore, copy), so lists and GETs neither fetch nor decrypt the sealed configuration: fetching and
 * decrypting it was the largest cost of listing 50 snapshots. A LazySnapshotRecord (one shape for all
 * records; core/lazy-snapshot-record.ts says why not an object literal with a getter).
 */
export function toSnapshotRecord(row: SnapshotReadRow, loadConfig: () => string, secrets: SecretBox): SnapshotRecord {
  const [id, containerId, containerName, projectId, name, alias, createdAt, expiresAt, lastUsedAt, state, sizeBytes, tags, uncaptured, origin, error, filesystems] = row;
  return new LazySnapshotRecord(
    {
      id,
      containerId,
      containerName,
      projectId,
      name,
      alias,
      createdAt: new Date(createdAt),
      expiresAt: toDateOrNull(expiresAt),
      lastUsedAt: toDateOrNull(lastUsedAt),
      state,
      sizeBytes,
      tags,
      // Built by SQLite with the record's field names (snapshot-queries.ts), so no per-field mapping here.
      filesystems,
      uncaptured,
      // The CHECK constraint admits only 'api', 'safety' and 'schedule:<id>'.
      origin: origin as SnapshotOrigin,
      error,
    },
    () => decodeConfig(loadConfig(), secrets),
  );
}

export function toJournalEntry(row: OperationRow): JournalEntry {
  return {
    id: row.id,
    kind: row.kind,
    containerId: row.container_id,
    snapshotName: row.snapshot_name,
    state: row.state,
    step: row.step,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    startedAt: new Date(row.started_at),
    updatedAt: new Date(row.updated_at),
    error: row.error,
  };
}
