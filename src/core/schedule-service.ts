/**
 * The schedule API's rules: which container, checking cron, time zone and alias template (every problem
 * listed), and slot bookkeeping on create, change and resume, so none of them fires a run for a slot
 * that passed before it (only the scheduler's own missed runs are made up for).
 */
import { aliasTemplateProblems } from './alias-template.js';
import type { ScheduleSummary } from './api-types.js';
import type { Clock } from './clock.js';
import type { ContainerResolver } from './container-resolver.js';
import { cronProblem, latestSlot, nextSlot, timezoneProblem } from './cron-expression.js';
import type { ErrorDetail } from '../errors/app-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { ContainerRecord } from './model.js';
import { replicateProblems, type ReplicateInput, type ReplicateSettings } from './schedule-replicate-setting.js';
import type {
  ScheduleInput,
  ScheduleListResult,
  SchedulePatch,
  ScheduleRecord,
  ScheduleResult,
  SchedulesApi,
  ScheduleStorePort,
  ScheduleUpdate,
  ScheduleView,
} from './schedule-model.js';

export const DEFAULT_TIMEZONE = 'UTC';
export const DEFAULT_KEEP_MIN = 1;

export class ScheduleService implements SchedulesApi {
  constructor(
    private readonly deps: {
      readonly schedules: ScheduleStorePort;
      readonly resolver: Pick<ContainerResolver, 'resolve' | 'resolveForRead' | 'resolveLive'>;
      readonly clock: Clock;
      /** Ids of the configured remotes a schedule may replicate to. */
      readonly remoteIds?: () => readonly string[];
    },
  ) {}

  async create(containerRef: string, input: ScheduleInput): Promise<ScheduleResult> {
    const timezone = input.timezone ?? DEFAULT_TIMEZONE;
    assertValid({ ...input, timezone }, this.remoteIds());
    const { record } = await this.deps.resolver.resolveLive(containerRef);
    const now = this.deps.clock.now();
    const schedule = this.deps.schedules.createSchedule({
      containerId: record.id,
      cron: input.cron.trim(),
      timezone,
      aliasTemplate: input.aliasTemplate ?? null,
      expiryDays: input.expiryDays ?? null,
      quiesce: input.quiesce ?? 'none',
      keepMin: input.keepMin ?? DEFAULT_KEEP_MIN,
      paused: input.paused ?? false,
      // The slot just before creation is not a missed run.
      lastSlot: latestSlot(input.cron, timezone, now),
      replicate: settingsOf(input.replicate ?? null, null, now),
      createdAt: now,
    });
    return { container: record, ...this.view(schedule, now) };
  }

  async list(containerRef: string): Promise<ScheduleListResult> {
    const { record } = await this.deps.resolver.resolveForRead(containerRef);
    const now = this.deps.clock.now();
    return { container: record, schedules: this.deps.schedules.listSchedules(record.id).map((s) => this.view(s, now)) };
  }

  /** A container's schedules in numbers (the Containers overview), without asking Docker. */
  summary(containerId: string): ScheduleSummary {
    const now = this.deps.clock.now();
    const schedules = this.deps.schedules.listSchedules(containerId);
    const nextRuns = schedules.flatMap((schedule) => this.view(schedule, now).nextRunAt ?? []).sort((a, b) => a.getTime() - b.getTime());
    const paused = schedules.filter((schedule) => schedule.paused).length;
    return { active: schedules.length - paused, paused, nextRunAt: nextRuns[0] ?? null };
  }

  async get(containerRef: string, id: string): Promise<ScheduleResult> {
    const { record } = await this.deps.resolver.resolveForRead(containerRef);
    return { container: record, ...this.view(this.find(record, id), this.deps.clock.now()) };
  }

  async update(containerRef: string, id: string, input: ScheduleUpdate): Promise<ScheduleResult> {
    const { record } = await this.deps.resolver.resolve(containerRef);
    const current = this.find(record, id);
    const cron = input.cron?.trim() ?? current.cron;
    const timezone = input.timezone ?? current.timezone;
    assertValid({ ...input, cron, timezone }, this.remoteIds());
    const now = this.deps.clock.now();
    const resuming = input.paused === false && current.paused;
    const patch: SchedulePatch = {
      ...(input.cron !== undefined && { cron }),
      ...(input.timezone !== undefined && { timezone }),
      ...(input.aliasTemplate !== undefined && { aliasTemplate: input.aliasTemplate }),
      ...(input.expiryDays !== undefined && { expiryDays: input.expiryDays }),
      ...(input.quiesce !== undefined && { quiesce: input.quiesce }),
      ...(input.keepMin !== undefined && { keepMin: input.keepMin }),
      // An operator's pause or resume replaces a reason cowsnap gave.
      ...(input.paused !== undefined && { paused: input.paused, pausedReason: null }),
      // A new timing, or a resume, starts from now: slots that passed meanwhile are not made up for.
      ...((input.cron !== undefined || input.timezone !== undefined || resuming) && { lastSlot: latestSlot(cron, timezone, now) }),
      ...(input.replicate !== undefined && { replicate: settingsOf(input.replicate, current.replicate, now) }),
    };
    const updated = this.deps.schedules.updateSchedule(current.id, patch, now);
    return { container: record, ...this.view(updated, now) };
  }

  async delete(containerRef: string, id: string): Promise<ScheduleResult> {
    const { record } = await this.deps.resolver.resolve(containerRef);
    const schedule = this.find(record, id);
    this.deps.schedules.deleteSchedule(schedule.id);
    return { container: record, schedule, nextRunAt: null };
  }

  async deleteAll(containerRef: string): Promise<ScheduleListResult> {
    const { record } = await this.deps.resolver.resolve(containerRef);
    const schedules = this.deps.schedules.listSchedules(record.id);
    for (const schedule of schedules) this.deps.schedules.deleteSchedule(schedule.id);
    return { container: record, schedules: schedules.map((schedule) => ({ schedule, nextRunAt: null })) };
  }

  private remoteIds(): readonly string[] {
    return this.deps.remoteIds?.() ?? [];
  }

  private find(container: ContainerRecord, id: string): ScheduleRecord {
    const numeric = /^[1-9][0-9]{0,14}$/.test(id) ? Number(id) : undefined;
    const schedule = numeric === undefined ? undefined : this.deps.schedules.getSchedule(numeric);
    if (schedule?.containerId !== container.id) {
      throw new NotFoundError('schedule_not_found', `Container ${container.name} has no schedule with id "${id}".`);
    }
    return schedule;
  }

  private view(schedule: ScheduleRecord, now: Date): ScheduleView {
    return { schedule, nextRunAt: schedule.paused ? null : nextSlot(schedule.cron, schedule.timezone, now) };
  }
}

/** The checks JSON schema cannot make; the HTTP layer makes the same ones through ajv formats. */
export function scheduleProblems(input: Partial<ScheduleInput>): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (input.cron !== undefined) {
    const problem = cronProblem(input.cron);
    if (problem !== null) problems.push({ path: '/body/cron', message: `is not a valid cron expression: ${problem}` });
  }
  if (input.timezone !== undefined) {
    const problem = timezoneProblem(input.timezone);
    if (problem !== null) problems.push({ path: '/body/timezone', message: problem });
  }
  if (input.aliasTemplate !== undefined && input.aliasTemplate !== null) {
    for (const problem of aliasTemplateProblems(input.aliasTemplate)) problems.push({ path: '/body/alias_template', message: problem });
  }
  if (input.expiryDays !== undefined && input.expiryDays !== null && !(Number.isInteger(input.expiryDays) && input.expiryDays >= 1 && input.expiryDays <= 3650)) {
    problems.push({ path: '/body/expiry', message: `must be a whole number of days from 1 to 3650, not ${input.expiryDays}` });
  }
  if (input.keepMin !== undefined && !(Number.isInteger(input.keepMin) && input.keepMin >= 0)) {
    problems.push({ path: '/body/keep_min', message: `must be a whole number >= 0, not ${input.keepMin}` });
  }
  return problems;
}

/**
 * The stored setting; `since` moves only when replication is turned on or re-pointed to another remote,
 * so changing the expiry does not make catch-up push older snapshots.
 */
function settingsOf(input: ReplicateInput | null, current: ReplicateSettings | null, now: Date): ReplicateSettings | null {
  if (input === null) return null;
  const since = current?.remote === input.remote ? current.since : now;
  return { remote: input.remote, expiryDays: input.expiryDays ?? null, fullEvery: input.fullEvery ?? null, since };
}

function assertValid(input: Partial<ScheduleInput>, remotes: readonly string[]): void {
  const problems = scheduleProblems(input);
  if (input.replicate !== undefined && input.replicate !== null) problems.push(...replicateProblems(input.replicate, remotes));
  if (problems.length > 0) throw new ValidationError(problems);
}
