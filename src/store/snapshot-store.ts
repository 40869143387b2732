/**
 * Snapshot records and their captured filesystems. The services do the slow storage work outside
 * these calls; each call is one short synchronous transaction that moves a row between states
 * (`creating` → `ready` | `failed`; `deleting`), so a crash leaves rows that say what to clean up.
 */
import type { Statement } from 'better-sqlite3';
import type { CapturedFilesystem, SnapshotRecord, SnapshotState } from '../core/model.js';
import { ConflictError } from '../errors/conflict-error.js';
import { InternalError } from '../errors/internal-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import type { Database } from './database.js';
import { toMillis, toMillisOrNull, type FilesystemRow, type SnapshotRow } from './row-mapping.js';
import type { SecretBox } from './secret-box.js';
import { encodeConfig } from './snapshot-config-codec.js';
import { baseSnapshotName, nextSnapshotName } from './default-snapshot-name.js';
import { SnapshotQueries } from './snapshot-queries.js';
import type { NewSnapshot, SnapshotReadyFields } from '../core/ports.js';

export type { SnapshotListQuery } from './snapshot-queries.js';

export type { NewSnapshot } from '../core/ports.js';

export interface SnapshotMetaPatch {
  /** A new alias, or null to clear it; absent leaves it. */
  readonly alias?: string | null;
  readonly expiresAt?: Date | null;
  readonly tags?: string[];
}

type SnapshotInsert = Omit<SnapshotRow, 'id' | 'last_used_at' | 'size_bytes' | 'error'>;

export class SnapshotStore extends SnapshotQueries {
  private readonly containerExists: Statement<[string], { one: number }>;
  private readonly namesLike: Statement<[{ containerId: string; base: string }], { name: string }>;
  private readonly aliasOwner: Statement<[string, string, number], { name: string }>;
  private readonly insert: Statement<[SnapshotInsert], { id: number }>;
  private readonly insertFilesystem: Statement<[FilesystemRow]>;
  private readonly deleteFilesystems: Statement<[number]>;
  private readonly stateOf: Statement<[number], { name: string; state: SnapshotState }>;
  private readonly setReady: Statement<[number | null, number]>;
  private readonly setContainerSeen: Statement<[string, string, number]>;
  private readonly setDeleting: Statement<[number]>;
  private readonly setFailed: Statement<[{ id: number; error: string; cap: number | null }]>;
  private readonly setError: Statement<[string | null, number]>;
  private readonly setMeta: Statement<[{ id: number; setAlias: number; alias: string | null; setExpiry: number; expiresAt: number | null; setTags: number; tags: string | null }]>;
  private readonly setLastUsed: Statement<[number, number]>;
  private readonly setSize: Statement<[number | null, number]>;
  private readonly remove: Statement<[number]>;

  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
  ) {
    super(db, secrets);
    this.containerExists = db.prepare('SELECT 1 AS one FROM containers WHERE id = ?');
    this.namesLike = db.prepare("SELECT name FROM snapshots WHERE container_id = @containerId AND (name = @base OR name GLOB @base || '-[1-9]*')");
    this.aliasOwner = db.prepare('SELECT name FROM snapshots WHERE container_id = ? AND alias = ? AND id <> ?');
    this.insert = db.prepare(
      `INSERT INTO snapshots (container_id, container_name, project_id, name, alias, created_at, expires_at,
                              state, tags, uncaptured, config, origin)
       VALUES (@container_id, @container_name, @project_id, @name, @alias, @created_at, @expires_at,
               @state, @tags, @uncaptured, @config, @origin)
       RETURNING id`,
    );
    this.insertFilesystem = db.prepare(
      `INSERT INTO snapshot_filesystems (snapshot_id, position, role, mount_point, driver, pool, dataset)
       VALUES (@snapshot_id, @position, @role, @mount_point, @driver, @pool, @dataset)`,
    );
    this.deleteFilesystems = db.prepare('DELETE FROM snapshot_filesystems WHERE snapshot_id = ?');
    this.stateOf = db.prepare('SELECT name, state FROM snapshots WHERE id = ?');
    this.setReady = db.prepare("UPDATE snapshots SET state = 'ready', size_bytes = ?, error = NULL WHERE id = ?");
    this.setContainerSeen = db.prepare('UPDATE snapshots SET container_name = ?, config = ? WHERE id = ?');
    // A snapshot being deleted has left the API; its alias is freed at once for a new snapshot.
    this.setDeleting = db.prepare("UPDATE snapshots SET state = 'deleting', alias = NULL WHERE id = ?");
    this.setError = db.prepare('UPDATE snapshots SET error = ? WHERE id = ?');
    this.setFailed = db.prepare(
      `UPDATE snapshots SET state = 'failed', error = @error, alias = NULL,
         expires_at = CASE WHEN @cap IS NOT NULL AND (expires_at IS NULL OR expires_at > @cap) THEN @cap ELSE expires_at END
       WHERE id = @id`,
    );
    this.setMeta = db.prepare(
      `UPDATE snapshots SET
         alias = CASE WHEN @setAlias THEN @alias ELSE alias END,
         expires_at = CASE WHEN @setExpiry THEN @expiresAt ELSE expires_at END,
         tags = CASE WHEN @setTags THEN @tags ELSE tags END
       WHERE id = @id`,
    );
    this.setLastUsed = db.prepare('UPDATE snapshots SET last_used_at = ? WHERE id = ?');
    this.setSize = db.prepare('UPDATE snapshots SET size_bytes = ? WHERE id = ?');
    this.remove = db.prepare('DELETE FROM snapshots WHERE id = ?');
  }

  /**
   * Records a new snapshot in state `creating` with its unique name, picked atomically: the base name
   * from `createdAt` (UTC), then `-2`, `-3`, ... within the same second. The alias must be free among
   * the container's snapshots (`alias_taken`). The container must have been recorded (upsertContainer).
   */
  reserveSnapshot(input: NewSnapshot): SnapshotRecord {
    return this.db.transaction(() => {
      if (this.containerExists.get(input.containerId) === undefined) {
        throw new InternalError('container_not_recorded', `Container ${input.containerId} must be recorded before it can have snapshots.`);
      }
      if (input.alias !== null) this.assertAliasFree(input.containerId, input.alias, -1);
      const base = input.name ?? baseSnapshotName(input.createdAt);
      const taken = this.namesLike.all({ containerId: input.containerId, base }).map((row) => row.name);
      if (input.name !== undefined && taken.includes(input.name)) {
        throw new ConflictError('snapshot_name_taken', `Container ${input.containerId} already has a snapshot named ${input.name}.`);
      }
      const inserted = this.insert.get({
        container_id: input.containerId,
        container_name: input.containerName.replace(/^\//, ''),
        project_id: input.projectId,
        name: input.name ?? nextSnapshotName(base, taken),
        alias: input.alias,
        created_at: toMillis(input.createdAt),
        expires_at: toMillisOrNull(input.expiresAt),
        state: 'creating',
        tags: JSON.stringify(input.tags),
        uncaptured: JSON.stringify(input.uncaptured),
        config: encodeConfig(input.config, this.secrets),
        origin: input.origin,
      });
      if (inserted === undefined) throw new Error('snapshot insert returned no row');
      this.writeFilesystems(inserted.id, input.filesystems);
      return this.mustGet(inserted.id);
    }).immediate();
  }

  /** The storage snapshots exist: `creating` → `ready`, with the filesystems actually captured. */
  markSnapshotReady(id: number, fields: SnapshotReadyFields): SnapshotRecord {
    return this.db.transaction(() => {
      const current = this.mustGetState(id);
      if (current.state !== 'creating') {
        throw new ConflictError('snapshot_state_conflict', `Snapshot ${current.name} is ${current.state}; only a snapshot being created can become ready.`);
      }
      this.setReady.run(fields.sizeBytes, id);
      if (fields.container !== undefined) {
        this.setContainerSeen.run(fields.container.name.replace(/^\//, ''), encodeConfig(fields.container.config, this.secrets), id);
      }
      this.writeFilesystems(id, fields.filesystems);
      return this.mustGet(id);
    }).immediate();
  }

  /**
   * Creation failed midway: the row stays as `failed` with the reason, so the failure is visible and its
   * storage can still be cleaned by a delete. Its alias is freed at once (a retry may use it), and it
   * expires at `expiresBy` at the latest, so the reaper clears failed attempts away.
   */
  markSnapshotFailed(id: number, error: string, expiresBy?: Date): void {
    this.db.transaction(() => {
      this.mustGetState(id);
      this.setFailed.run({ id, error, cap: expiresBy === undefined ? null : toMillis(expiresBy) });
    }).immediate();
  }

  /** Before storage is destroyed; the row stays (with its filesystems) until deleteSnapshotRecord. */
  markSnapshotDeleting(id: number): void {
    this.mustChange(this.setDeleting.run(id).changes, id);
  }

  /** Sets or (with null) clears the last failure, e.g. a delete that will be retried. */
  recordSnapshotError(id: number, error: string | null): void {
    this.mustChange(this.setError.run(error, id).changes, id);
  }

  updateSnapshotMeta(id: number, patch: SnapshotMetaPatch): SnapshotRecord {
    return this.db.transaction(() => {
      const current = this.mustGet(id);
      if (patch.alias !== undefined && patch.alias !== null) this.assertAliasFree(current.containerId, patch.alias, id);
      this.setMeta.run({
        id,
        setAlias: patch.alias === undefined ? 0 : 1,
        alias: patch.alias ?? null,
        setExpiry: patch.expiresAt === undefined ? 0 : 1,
        expiresAt: patch.expiresAt === undefined ? null : toMillisOrNull(patch.expiresAt),
        setTags: patch.tags === undefined ? 0 : 1,
        tags: patch.tags === undefined ? null : JSON.stringify(patch.tags),
      });
      return this.mustGet(id);
    }).immediate();
  }

  touchLastUsed(id: number, at: Date): void {
    this.mustChange(this.setLastUsed.run(toMillis(at), id).changes, id);
  }

  setSnapshotSize(id: number, sizeBytes: number | null): void {
    this.mustChange(this.setSize.run(sizeBytes, id).changes, id);
  }

  /** Removes the record and its filesystem rows; a missing record is not an error (retries, recovery). */
  deleteSnapshotRecord(id: number): void {
    this.remove.run(id);
  }

  private assertAliasFree(containerId: string, alias: string, exceptId: number): void {
    const owner = this.aliasOwner.get(containerId, alias, exceptId);
    if (owner !== undefined) {
      throw new ConflictError('alias_taken', `The alias "${alias}" is already used by snapshot ${owner.name} of this container.`);
    }
  }

  private writeFilesystems(id: number, filesystems: readonly CapturedFilesystem[]): void {
    this.deleteFilesystems.run(id);
    filesystems.forEach((fs, position) => {
      this.insertFilesystem.run({ snapshot_id: id, position, role: fs.role, mount_point: fs.mountPoint, driver: fs.driver, pool: fs.pool, dataset: fs.dataset });
    });
  }

  private mustGet(id: number): SnapshotRecord {
    const record = this.getSnapshot(id);
    if (record === undefined) throw notFound(id);
    return record;
  }

  private mustGetState(id: number): { name: string; state: SnapshotState } {
    const row = this.stateOf.get(id);
    if (row === undefined) throw notFound(id);
    return row;
  }

  private mustChange(changes: number, id: number): void {
    if (changes === 0) throw notFound(id);
  }
}

function notFound(id: number): NotFoundError {
  return new NotFoundError('snapshot_not_found', `No snapshot record with id ${id}.`);
}
