/** Scheduled snapshots of a container (design.md §5): create, list, get, change or pause, delete. */
import type { ScheduleInput, SchedulesApi, ScheduleUpdate } from '../../core/schedule-model.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import type { SchemaType } from '../schema-type.js';
import { containerParamsSchema } from '../schemas/common-schemas.js';
import {
  createScheduleBodySchema,
  scheduleListSchema,
  scheduleParamsSchema,
  scheduleResultSchema,
  updateScheduleBodySchema,
} from '../schemas/schedule-schemas.js';
import { serializeScheduleList, serializeScheduleResult } from '../serializers/schedule-serializer.js';

const BASE = '/api/v1/containers/:container/schedules';
const TAG = 'schedules';

/** What PUT accepts; a validated POST body (cron required, defaults filled in) is one too. */
type ScheduleBody = SchemaType<typeof updateScheduleBodySchema>;

function toUpdate(b: ScheduleBody): ScheduleUpdate {
  return {
    ...(b.cron !== undefined && { cron: b.cron }),
    ...(b.timezone !== undefined && { timezone: b.timezone }),
    ...(b.alias_template !== undefined && { aliasTemplate: b.alias_template }),
    ...(b.expiry !== undefined && { expiryDays: b.expiry }),
    ...(b.quiesce !== undefined && { quiesce: b.quiesce }),
    ...(b.keep_min !== undefined && { keepMin: b.keep_min }),
    ...(b.paused !== undefined && { paused: b.paused }),
    ...(b.replicate !== undefined && {
      replicate: b.replicate === null ? null : { remote: b.replicate.remote, expiryDays: b.replicate.expiry ?? null, fullEvery: b.replicate.full_every ?? null },
    }),
  };
}

function describe(cron: string, timezone: string, paused: boolean): string {
  return `"${cron}" (${timezone})${paused ? ', paused' : ''}`;
}

export function scheduleRoutes(schedules: SchedulesApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: BASE,
      operationId: 'createSchedule',
      summary: 'Snapshot the container on a cron schedule, with alias template, expiry and keep_min; optionally replicate each snapshot to a remote.',
      tag: TAG,
      auth: true,
      role: 'operator',
      successStatus: 201,
      request: { params: containerParamsSchema, body: createScheduleBodySchema },
      response: scheduleResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params, body }) {
        const input: ScheduleInput = { ...toUpdate(body), cron: body.cron };
        const result = await schedules.create(params.container, input);
        const s = result.schedule;
        return {
          status: 201,
          message: `Schedule ${s.id} of container ${result.container.name} created: ${describe(s.cron, s.timezone, s.paused)}.`,
          data: serializeScheduleResult(result),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: BASE,
      operationId: 'listSchedules',
      summary: "A container's schedules, with their next run.",
      tag: TAG,
      auth: true,
      role: 'viewer',
      request: { params: containerParamsSchema },
      response: scheduleListSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params }) {
        const result = await schedules.list(params.container);
        return { message: `${result.schedules.length} schedules of container ${result.container.name}.`, data: serializeScheduleList(result) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: BASE,
      operationId: 'deleteSchedules',
      summary: "Remove all of a container's schedules (their snapshots stay).",
      tag: TAG,
      auth: true,
      role: 'operator',
      request: { params: containerParamsSchema },
      response: scheduleListSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params }) {
        const result = await schedules.deleteAll(params.container);
        return { message: `${result.schedules.length} schedules of container ${result.container.name} deleted.`, data: serializeScheduleList(result) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/:id`,
      operationId: 'getSchedule',
      summary: 'One schedule, with its last run and next run.',
      tag: TAG,
      auth: true,
      role: 'viewer',
      request: { params: scheduleParamsSchema },
      response: scheduleResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params }) {
        const result = await schedules.get(params.container, params.id);
        const s = result.schedule;
        return { message: `Schedule ${s.id} of container ${result.container.name}: ${describe(s.cron, s.timezone, s.paused)}.`, data: serializeScheduleResult(result) };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: `${BASE}/:id`,
      operationId: 'updateSchedule',
      summary: 'Change a schedule, or pause/resume it (paused: true/false).',
      tag: TAG,
      auth: true,
      role: 'operator',
      request: { params: scheduleParamsSchema, body: updateScheduleBodySchema },
      response: scheduleResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params, body }) {
        const result = await schedules.update(params.container, params.id, toUpdate(body));
        const s = result.schedule;
        return { message: `Schedule ${s.id} of container ${result.container.name} updated: ${describe(s.cron, s.timezone, s.paused)}.`, data: serializeScheduleResult(result) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/:id`,
      operationId: 'deleteSchedule',
      summary: 'Remove a schedule (its snapshots stay, and keep_min no longer protects them).',
      tag: TAG,
      auth: true,
      role: 'operator',
      request: { params: scheduleParamsSchema },
      response: scheduleResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params }) {
        const result = await schedules.delete(params.container, params.id);
        return { message: `Schedule ${result.schedule.id} of container ${result.container.name} deleted.`, data: serializeScheduleResult(result) };
      },
    }),
  ];
}
