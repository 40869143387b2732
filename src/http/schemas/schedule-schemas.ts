/**
 * Bodies, params and replies of the schedule routes. Cron expressions, time zones and alias templates are
 * checked by ajv formats (registered in validation.ts) so one 400 lists every problem of a request.
 */
import { aliasTemplateProblems } from '../../core/alias-template.js';
import { CRON_RULE, cronProblem, timezoneProblem } from '../../core/cron-expression.js';
import { MAX_FULL_EVERY, MAX_REPLICA_EXPIRY_DAYS } from '../../core/schedule-replicate-setting.js';
import { containerRefSchema, expiryDaysSchema } from './common-schemas.js';
import { remoteIdSchema } from './replica-schemas.js';

export const CRON_FORMAT = 'cron-expression';
export const TIMEZONE_FORMAT = 'iana-time-zone';
export const ALIAS_TEMPLATE_FORMAT = 'alias-template';

/** Formats the schedule schemas use, with the sentence a failing value gets. */
export const SCHEDULE_FORMATS: readonly { name: string; validate: (value: string) => boolean; sentence: string }[] = [
  { name: CRON_FORMAT, validate: (v) => cronProblem(v) === null, sentence: `must be a cron expression: ${CRON_RULE}` },
  { name: TIMEZONE_FORMAT, validate: (v) => timezoneProblem(v) === null, sentence: 'must be a known IANA time zone name, e.g. "UTC", "Europe/Berlin", "America/New_York"' },
  {
    name: ALIAS_TEMPLATE_FORMAT,
    validate: (v) => aliasTemplateProblems(v).length === 0,
    sentence: 'must be printable text using only the placeholders {date}, {time} and {n}, expand to at most 97 characters and not to snapshot-name-shaped aliases',
  },
];

const cronSchema = { type: 'string', minLength: 1, maxLength: 200, format: CRON_FORMAT, description: `When to snapshot: ${CRON_RULE}.` } as const;
const timezoneSchema = { type: 'string', minLength: 1, maxLength: 100, format: TIMEZONE_FORMAT, description: 'IANA time zone the cron expression is read in.' } as const;
const aliasTemplateSchema = {
  type: ['string', 'null'],
  minLength: 1,
  maxLength: 100,
  format: ALIAS_TEMPLATE_FORMAT,
  description: 'Alias of each snapshot: {date} = YYYY-MM-DD, {time} = HHMMSS (slot time in the time zone), {n} = run counter; a taken alias gets "-2", "-3", ...',
} as const;
const quiesceSchema = { type: 'string', enum: ['none', 'pause', 'stop'], description: 'How to hold the container still for each snapshot.' } as const;
const keepMinSchema = {
  type: 'integer',
  minimum: 0,
  maximum: 10000,
  description: "Expiry never deletes the schedule's newest keep_min ready snapshots (a stalled schedule keeps its last backups).",
} as const;
const pausedSchema = { type: 'boolean', description: 'A paused schedule does not run; resuming does not make up for slots missed meanwhile.' } as const;
const expirySchema = { ...expiryDaysSchema, type: ['integer', 'null'], description: 'Days each snapshot lives (1–3650); absent or null: permanent.' } as const;

const replicateSchema = {
  type: ['object', 'null'],
  description:
    'Push each snapshot the schedule takes to a remote (an operation per push). On update the whole setting is replaced; null stops replicating (replicas already in the remote stay, with their expiry).',
  properties: {
    remote: remoteIdSchema,
    expiry: {
      type: ['integer', 'null'],
      minimum: 1,
      maximum: MAX_REPLICA_EXPIRY_DAYS,
      description: "Days each replica lives in the remote, counted from the snapshot's creation (independent of the local expiry); absent or null: kept until deleted.",
    },
    full_every: {
      type: ['integer', 'null'],
      minimum: 1,
      maximum: MAX_FULL_EVERY,
      description: 'Every N-th replica of the schedule is a full stream starting a new chain, so older chains can expire; absent or null: incremental whenever the parent is available.',
    },
  },
  required: ['remote'],
  additionalProperties: false,
} as const;

export const createScheduleBodySchema = {
  type: 'object',
  properties: {
    cron: cronSchema,
    timezone: { ...timezoneSchema, default: 'UTC' },
    alias_template: aliasTemplateSchema,
    expiry: expirySchema,
    quiesce: { ...quiesceSchema, default: 'none' },
    keep_min: { ...keepMinSchema, default: 1 },
    paused: { ...pausedSchema, default: false },
    replicate: replicateSchema,
  },
  required: ['cron'],
  additionalProperties: false,
} as const;

export const updateScheduleBodySchema = {
  type: 'object',
  properties: {
    cron: cronSchema,
    timezone: timezoneSchema,
    alias_template: aliasTemplateSchema,
    expiry: expirySchema,
    quiesce: quiesceSchema,
    keep_min: keepMinSchema,
    paused: pausedSchema,
    replicate: replicateSchema,
  },
  minProperties: 1,
  additionalProperties: false,
} as const;

export const scheduleParamsSchema = {
  type: 'object',
  properties: {
    container: containerRefSchema,
    id: { type: 'string', pattern: '^[1-9][0-9]{0,14}$', description: 'Schedule id (a positive whole number).' },
  },
  required: ['container', 'id'],
  additionalProperties: false,
} as const;

const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const scheduleSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer', minimum: 1 },
    container_id: { type: 'string' },
    origin: { type: 'string', description: 'What its snapshots carry as origin: "schedule:<id>" (filter the snapshot list with it).' },
    cron: { type: 'string' },
    timezone: { type: 'string' },
    alias_template: { type: ['string', 'null'] },
    expiry: { type: ['integer', 'null'] },
    quiesce: { type: 'string', enum: ['none', 'pause', 'stop'] },
    keep_min: { type: 'integer', minimum: 0 },
    paused: { type: 'boolean' },
    paused_reason: { type: ['string', 'null'], description: 'Why cowsnap paused it (e.g. the container was removed).' },
    run_count: { type: 'integer', minimum: 0 },
    last_slot: nullableDateTime,
    last_run_at: nullableDateTime,
    last_snapshot: { type: ['string', 'null'] },
    last_error: { type: ['string', 'null'] },
    replicate: {
      type: ['object', 'null'],
      properties: {
        remote: { type: 'string' },
        expiry: { type: ['integer', 'null'] },
        full_every: { type: ['integer', 'null'] },
        since: { type: 'string', format: 'date-time', description: 'Snapshots of the schedule taken from then on are replicated.' },
      },
      required: ['remote', 'expiry', 'full_every', 'since'],
      additionalProperties: false,
    },
    next_run_at: nullableDateTime,
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
  required: [
    'id', 'container_id', 'origin', 'cron', 'timezone', 'alias_template', 'expiry', 'quiesce', 'keep_min', 'paused',
    'paused_reason', 'run_count', 'last_slot', 'last_run_at', 'last_snapshot', 'last_error', 'replicate', 'next_run_at', 'created_at', 'updated_at',
  ],
  additionalProperties: false,
} as const;

export const scheduleResultSchema = {
  type: 'object',
  properties: { container_id: { type: 'string' }, schedule: scheduleSchema },
  required: ['container_id', 'schedule'],
  additionalProperties: false,
} as const;

export const scheduleListSchema = {
  type: 'object',
  properties: { container_id: { type: 'string' }, schedules: { type: 'array', items: scheduleSchema } },
  required: ['container_id', 'schedules'],
  additionalProperties: false,
} as const;
