/**
 * Snapshot schedules (issue 5): the record, what the scheduler and the schedule API need from the
 * store, and the inputs the API takes. Kept beside model.ts so schedules touch no shared contract.
 */
import type { ContainerRecord, Quiesce } from './model.js';
import type { ReplicateInput, ReplicateSettings } from './schedule-replicate-setting.js';

export interface ScheduleRecord {
  readonly id: number;
  readonly containerId: string;
  /** Five fields, or @hourly, @daily, @weekly, @monthly. */
  readonly cron: string;
  /** IANA time zone the cron expression is read in. */
  readonly timezone: string;
  /** Alias of each snapshot, with {date}, {time} and {n}; null = no alias. */
  readonly aliasTemplate: string | null;
  /** Days each snapshot lives; null = permanent. */
  readonly expiryDays: number | null;
  readonly quiesce: Quiesce;
  /** Expiry never deletes this schedule's newest `keepMin` ready snapshots. */
  readonly keepMin: number;
  readonly paused: boolean;
  /** Why it was paused by cowsnap (e.g. the container was removed); null when paused by an operator or running. */
  readonly pausedReason: string | null;
  /** Runs claimed so far; {n} of the alias template. */
  readonly runCount: number;
  /** The newest cron slot a run was claimed for; a slot runs only if newer. */
  readonly lastSlot: Date | null;
  readonly lastRunAt: Date | null;
  readonly lastSnapshot: string | null;
  readonly lastError: string | null;
  /** Push each snapshot to a remote (schedule-replicate-setting.ts); null = no replication. */
  readonly replicate: ReplicateSettings | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * A schedule to create: the record's settings. `lastSlot`: slots up to this one are not run (a new
 * schedule does not fire for a slot before it existed).
 */
export interface NewSchedule
  extends Pick<ScheduleRecord, 'containerId' | 'cron' | 'timezone' | 'aliasTemplate' | 'expiryDays' | 'quiesce' | 'keepMin' | 'paused' | 'lastSlot' | 'createdAt'> {
  /** Absent: no replication. */
  readonly replicate?: ReplicateSettings | null;
}

/** What an update changes. `lastSlot` is raised only (never lowered), so an update can never make a slot run twice. */
export type SchedulePatch = Partial<
  Pick<ScheduleRecord, 'cron' | 'timezone' | 'aliasTemplate' | 'expiryDays' | 'quiesce' | 'keepMin' | 'paused' | 'pausedReason' | 'lastSlot' | 'replicate'>
>;

export interface ScheduleRunOutcome {
  readonly at: Date;
  readonly snapshot: string | null;
  readonly error: string | null;
}

export interface ScheduleStorePort {
  createSchedule(input: NewSchedule): ScheduleRecord;
  getSchedule(id: number): ScheduleRecord | undefined;
  listSchedules(containerId: string): ScheduleRecord[];
  listActiveSchedules(): ScheduleRecord[];
  updateSchedule(id: number, patch: SchedulePatch, at: Date): ScheduleRecord;
  deleteSchedule(id: number): boolean;
  /** Atomically claims `slot` if it is newer than the last claimed one; the run's number, or undefined if taken. */
  claimSlot(id: number, slot: Date, at: Date): number | undefined;
  recordRun(id: number, outcome: ScheduleRunOutcome): void;
}

export interface ScheduleInput {
  readonly cron: string;
  readonly timezone?: string;
  readonly aliasTemplate?: string | null;
  readonly expiryDays?: number | null;
  readonly quiesce?: Quiesce;
  readonly keepMin?: number;
  readonly paused?: boolean;
  /** null on update: stop replicating (replicas already in the remote stay, with their expiry). */
  readonly replicate?: ReplicateInput | null;
}

export type ScheduleUpdate = Partial<ScheduleInput>;

export interface ScheduleView {
  readonly schedule: ScheduleRecord;
  /** The next slot it will run at; null while paused. */
  readonly nextRunAt: Date | null;
}

export interface ScheduleResult extends ScheduleView {
  readonly container: ContainerRecord;
}

export interface ScheduleListResult {
  readonly container: ContainerRecord;
  readonly schedules: ScheduleView[];
}

export interface SchedulesApi {
  create(containerRef: string, input: ScheduleInput): Promise<ScheduleResult>;
  list(containerRef: string): Promise<ScheduleListResult>;
  get(containerRef: string, id: string): Promise<ScheduleResult>;
  update(containerRef: string, id: string, input: ScheduleUpdate): Promise<ScheduleResult>;
  delete(containerRef: string, id: string): Promise<ScheduleResult>;
  deleteAll(containerRef: string): Promise<ScheduleListResult>;
}
