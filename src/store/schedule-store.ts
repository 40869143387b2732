/**
 * Snapshot schedules. The one rule kept here is the slot claim: a run is claimed in one statement that
 * succeeds only when the slot is newer than the last claimed one, so a tick never runs twice, whether
 * two timers, a restart or a second process race for it.
 */
import type { Statement } from 'better-sqlite3';
import type { Quiesce } from '../core/model.js';
import type { ReplicateSettings } from '../core/schedule-replicate-setting.js';
import type { NewSchedule, SchedulePatch, ScheduleRecord, ScheduleRunOutcome, ScheduleStorePort } from '../core/schedule-model.js';
import { NotFoundError } from '../errors/not-found-error.js';
import type { Database } from './database.js';
import { toMillis, toMillisOrNull } from './row-mapping.js';

interface ScheduleRow {
  readonly id: number;
  readonly container_id: string;
  readonly cron: string;
  readonly timezone: string;
  readonly alias_template: string | null;
  readonly expiry_days: number | null;
  readonly quiesce: Quiesce;
  readonly keep_min: number;
  readonly paused: number;
  readonly paused_reason: string | null;
  readonly run_count: number;
  readonly last_slot: number | null;
  readonly last_run_at: number | null;
  readonly last_snapshot: string | null;
  readonly last_error: string | null;
  readonly created_at: number;
  readonly updated_at: number;
  readonly replicate_remote: string | null;
  readonly replicate_expiry_days: number | null;
  readonly replicate_full_every: number | null;
  readonly replicate_since: number | null;
}

type ReplicateColumns = Pick<ScheduleRow, 'replicate_remote' | 'replicate_expiry_days' | 'replicate_full_every' | 'replicate_since'>;

function replicateColumns(settings: ReplicateSettings | null): ReplicateColumns {
  return {
    replicate_remote: settings?.remote ?? null,
    replicate_expiry_days: settings?.expiryDays ?? null,
    replicate_full_every: settings?.fullEvery ?? null,
    replicate_since: settings === null ? null : toMillis(settings.since),
  };
}

function replicateOf(row: ScheduleRow): ReplicateSettings | null {
  if (row.replicate_remote === null) return null;
  return {
    remote: row.replicate_remote,
    expiryDays: row.replicate_expiry_days,
    fullEvery: row.replicate_full_every,
    since: new Date(row.replicate_since ?? row.created_at),
  };
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

interface UpdateParams {
  id: number;
  at: number;
  cron: string | null;
  timezone: string | null;
  setAlias: number;
  aliasTemplate: string | null;
  setExpiry: number;
  expiryDays: number | null;
  quiesce: string | null;
  keepMin: number | null;
  paused: number | null;
  setReason: number;
  pausedReason: string | null;
  lastSlot: number | null;
  setReplicate: number;
  replicateRemote: string | null;
  replicateExpiry: number | null;
  replicateFullEvery: number | null;
  replicateSince: number | null;
}

const dateOrNull = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

function toRecord(row: ScheduleRow): ScheduleRecord {
  return {
    id: row.id,
    containerId: row.container_id,
    cron: row.cron,
    timezone: row.timezone,
    aliasTemplate: row.alias_template,
    expiryDays: row.expiry_days,
    quiesce: row.quiesce,
    keepMin: row.keep_min,
    paused: row.paused === 1,
    pausedReason: row.paused_reason,
    runCount: row.run_count,
    lastSlot: dateOrNull(row.last_slot),
    lastRunAt: dateOrNull(row.last_run_at),
    lastSnapshot: row.last_snapshot,
    lastError: row.last_error,
    replicate: replicateOf(row),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export class ScheduleStore implements ScheduleStorePort {
  private readonly insert: Statement<[Omit<ScheduleRow, 'id' | 'run_count' | 'last_run_at' | 'last_snapshot' | 'last_error' | 'paused_reason'>], ScheduleRow>;
  private readonly byId: Statement<[number], ScheduleRow>;
  private readonly byContainer: Statement<[string], ScheduleRow>;
  private readonly active: Statement<[], ScheduleRow>;
  private readonly update: Statement<[UpdateParams], ScheduleRow>;
  private readonly remove: Statement<[number]>;
  private readonly claim: Statement<[{ id: number; slot: number; at: number }], { run_count: number }>;
  private readonly record: Statement<[Nullable<{ id: number; at: number; snapshot: string; error: string }>]>;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO schedules (container_id, cron, timezone, alias_template, expiry_days, quiesce, keep_min, paused,
                              last_slot, created_at, updated_at,
                              replicate_remote, replicate_expiry_days, replicate_full_every, replicate_since)
       VALUES (@container_id, @cron, @timezone, @alias_template, @expiry_days, @quiesce, @keep_min, @paused,
               @last_slot, @created_at, @updated_at,
               @replicate_remote, @replicate_expiry_days, @replicate_full_every, @replicate_since)
       RETURNING *`,
    );
    this.byId = db.prepare('SELECT * FROM schedules WHERE id = ?');
    this.byContainer = db.prepare('SELECT * FROM schedules WHERE container_id = ? ORDER BY id');
    this.active = db.prepare('SELECT * FROM schedules WHERE paused = 0 ORDER BY id');
    this.update = db.prepare(
      `UPDATE schedules SET
         cron = coalesce(@cron, cron),
         timezone = coalesce(@timezone, timezone),
         alias_template = CASE WHEN @setAlias THEN @aliasTemplate ELSE alias_template END,
         expiry_days = CASE WHEN @setExpiry THEN @expiryDays ELSE expiry_days END,
         quiesce = coalesce(@quiesce, quiesce),
         keep_min = coalesce(@keepMin, keep_min),
         paused = coalesce(@paused, paused),
         paused_reason = CASE WHEN @setReason THEN @pausedReason ELSE paused_reason END,
         replicate_remote = CASE WHEN @setReplicate THEN @replicateRemote ELSE replicate_remote END,
         replicate_expiry_days = CASE WHEN @setReplicate THEN @replicateExpiry ELSE replicate_expiry_days END,
         replicate_full_every = CASE WHEN @setReplicate THEN @replicateFullEvery ELSE replicate_full_every END,
         replicate_since = CASE WHEN @setReplicate THEN @replicateSince ELSE replicate_since END,
         last_slot = CASE WHEN @lastSlot IS NOT NULL AND (last_slot IS NULL OR last_slot < @lastSlot) THEN @lastSlot ELSE last_slot END,
         updated_at = @at
       WHERE id = @id
       RETURNING *`,
    );
    this.remove = db.prepare('DELETE FROM schedules WHERE id = ?');
    this.claim = db.prepare(
      `UPDATE schedules SET last_slot = @slot, run_count = run_count + 1, updated_at = @at
       WHERE id = @id AND paused = 0 AND (last_slot IS NULL OR last_slot < @slot)
       RETURNING run_count`,
    );
    this.record = db.prepare('UPDATE schedules SET last_run_at = @at, last_snapshot = coalesce(@snapshot, last_snapshot), last_error = @error WHERE id = @id');
  }

  createSchedule(input: NewSchedule): ScheduleRecord {
    const at = toMillis(input.createdAt);
    const row = this.insert.get({
      container_id: input.containerId,
      cron: input.cron,
      timezone: input.timezone,
      alias_template: input.aliasTemplate,
      expiry_days: input.expiryDays,
      quiesce: input.quiesce,
      keep_min: input.keepMin,
      paused: input.paused ? 1 : 0,
      last_slot: toMillisOrNull(input.lastSlot),
      created_at: at,
      updated_at: at,
      ...replicateColumns(input.replicate ?? null),
    });
    if (row === undefined) throw new Error('schedule insert returned no row');
    return toRecord(row);
  }

  getSchedule(id: number): ScheduleRecord | undefined {
    const row = this.byId.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  listSchedules(containerId: string): ScheduleRecord[] {
    return this.byContainer.all(containerId).map(toRecord);
  }

  listActiveSchedules(): ScheduleRecord[] {
    return this.active.all().map(toRecord);
  }

  updateSchedule(id: number, patch: SchedulePatch, at: Date): ScheduleRecord {
    const row = this.update.get({
      id,
      at: toMillis(at),
      cron: patch.cron ?? null,
      timezone: patch.timezone ?? null,
      setAlias: patch.aliasTemplate === undefined ? 0 : 1,
      aliasTemplate: patch.aliasTemplate ?? null,
      setExpiry: patch.expiryDays === undefined ? 0 : 1,
      expiryDays: patch.expiryDays ?? null,
      quiesce: patch.quiesce ?? null,
      keepMin: patch.keepMin ?? null,
      paused: patch.paused === undefined ? null : patch.paused ? 1 : 0,
      setReason: patch.pausedReason === undefined ? 0 : 1,
      pausedReason: patch.pausedReason ?? null,
      lastSlot: patch.lastSlot === undefined ? null : toMillisOrNull(patch.lastSlot),
      ...replicatePatch(patch.replicate),
    });
    if (row === undefined) throw new NotFoundError('schedule_not_found', `No schedule with id ${id}.`);
    return toRecord(row);
  }

  deleteSchedule(id: number): boolean {
    return this.remove.run(id).changes > 0;
  }

  claimSlot(id: number, slot: Date, at: Date): number | undefined {
    return this.claim.get({ id, slot: toMillis(slot), at: toMillis(at) })?.run_count;
  }

  recordRun(id: number, outcome: ScheduleRunOutcome): void {
    this.record.run({ id, at: toMillis(outcome.at), snapshot: outcome.snapshot, error: outcome.error });
  }
}

function replicatePatch(settings: ReplicateSettings | null | undefined): Pick<UpdateParams, 'setReplicate' | 'replicateRemote' | 'replicateExpiry' | 'replicateFullEvery' | 'replicateSince'> {
  const columns = replicateColumns(settings ?? null);
  return {
    setReplicate: settings === undefined ? 0 : 1,
    replicateRemote: columns.replicate_remote,
    replicateExpiry: columns.replicate_expiry_days,
    replicateFullEvery: columns.replicate_full_every,
    replicateSince: columns.replicate_since,
  };
}
