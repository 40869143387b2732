/** Schedule JSON of the API, derived from its response schemas (see snapshot-json.ts). */
import type { SchemaType } from '../schema-type.js';
import type { scheduleListSchema, scheduleResultSchema, scheduleSchema } from '../schemas/schedule-schemas.js';

export type ScheduleJson = SchemaType<typeof scheduleSchema>;
export type ScheduleResultJson = SchemaType<typeof scheduleResultSchema>;
export type ScheduleListJson = SchemaType<typeof scheduleListSchema>;
