/** ScheduleView → the schedule JSON of the API (field names as in schedule-schemas.ts). */
import type { ScheduleListResult, ScheduleResult, ScheduleView } from '../../core/schedule-model.js';
import type { ScheduleJson, ScheduleListJson, ScheduleResultJson } from '../wire/schedule-json.js';
import { isoOrNull } from './snapshot-serializer.js';

export function serializeSchedule({ schedule, nextRunAt }: ScheduleView): ScheduleJson {
  return {
    id: schedule.id,
    container_id: schedule.containerId,
    origin: `schedule:${schedule.id}`,
    cron: schedule.cron,
    timezone: schedule.timezone,
    alias_template: schedule.aliasTemplate,
    expiry: schedule.expiryDays,
    quiesce: schedule.quiesce,
    keep_min: schedule.keepMin,
    paused: schedule.paused,
    paused_reason: schedule.pausedReason,
    run_count: schedule.runCount,
    last_slot: isoOrNull(schedule.lastSlot),
    last_run_at: isoOrNull(schedule.lastRunAt),
    last_snapshot: schedule.lastSnapshot,
    last_error: schedule.lastError,
    replicate:
      schedule.replicate === null
        ? null
        : { remote: schedule.replicate.remote, expiry: schedule.replicate.expiryDays, full_every: schedule.replicate.fullEvery, since: schedule.replicate.since.toISOString() },
    next_run_at: isoOrNull(nextRunAt),
    created_at: schedule.createdAt.toISOString(),
    updated_at: schedule.updatedAt.toISOString(),
  };
}

export function serializeScheduleResult(result: ScheduleResult): ScheduleResultJson {
  return { container_id: result.container.id, schedule: serializeSchedule(result) };
}

export function serializeScheduleList(result: ScheduleListResult): ScheduleListJson {
  return { container_id: result.container.id, schedules: result.schedules.map(serializeSchedule) };
}
