/** Bodies, params and replies of the project, API key and audit routes (design.md §9). */
import { PROJECT_ID_PATTERN, ROLES } from '../../core/access/role.js';
import { containerRefSchema, PRINTABLE_TEXT_FORMAT } from './common-schemas.js';

export const projectIdSchema = {
  type: 'string',
  pattern: PROJECT_ID_PATTERN,
  description: 'Project id: 1–63 lowercase letters, digits, "_" or "-", starting with a letter or digit.',
} as const;
const remoteIdSchema = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' } as const;
const limitSchema = { type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const timeSchema = { type: 'string', format: 'date-time' } as const;

const quotasProperties = {
  max_snapshots: { ...limitSchema, description: 'Snapshots being created or ready; null = unlimited.' },
  max_snapshot_bytes: { ...limitSchema, description: 'Sum of the exclusive sizes of its snapshots; null = unlimited.' },
  max_schedules: { ...limitSchema, description: 'Schedules of its containers; null = unlimited.' },
  max_replica_bytes: {
    type: 'object',
    propertyNames: remoteIdSchema,
    additionalProperties: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    description: 'Stored bytes of its replicas per remote id; a remote not listed is unlimited. Replaces the whole map when given.',
  },
} as const;

export const projectParamsSchema = { type: 'object', properties: { project: projectIdSchema }, required: ['project'], additionalProperties: false } as const;

export const createProjectBodySchema = {
  type: 'object',
  properties: { id: projectIdSchema, ...quotasProperties },
  required: ['id'],
  additionalProperties: false,
} as const;

export const updateProjectBodySchema = { type: 'object', properties: quotasProperties, minProperties: 1, additionalProperties: false } as const;

export const assignProjectBodySchema = {
  type: 'object',
  properties: { project: projectIdSchema },
  required: ['project'],
  additionalProperties: false,
} as const;

export const assignProjectParamsSchema = { type: 'object', properties: { container: containerRefSchema }, required: ['container'], additionalProperties: false } as const;

const projectSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    created_at: timeSchema,
    quotas: {
      type: 'object',
      properties: {
        max_snapshots: limitSchema,
        max_snapshot_bytes: limitSchema,
        max_schedules: limitSchema,
        max_replica_bytes: { type: 'object', additionalProperties: { type: 'integer' } },
      },
      required: ['max_snapshots', 'max_snapshot_bytes', 'max_schedules', 'max_replica_bytes'],
      additionalProperties: false,
    },
    usage: {
      type: 'object',
      properties: {
        containers: { type: 'integer', minimum: 0 },
        snapshots: { type: 'integer', minimum: 0 },
        snapshot_bytes: { type: 'integer', minimum: 0 },
        schedules: { type: 'integer', minimum: 0 },
        replica_bytes: { type: 'object', additionalProperties: { type: 'integer' } },
      },
      required: ['containers', 'snapshots', 'snapshot_bytes', 'schedules', 'replica_bytes'],
      additionalProperties: false,
    },
  },
  required: ['id', 'created_at', 'quotas', 'usage'],
  additionalProperties: false,
} as const;

export const projectResultSchema = { type: 'object', properties: { project: projectSchema }, required: ['project'], additionalProperties: false } as const;
export const projectListSchema = {
  type: 'object',
  properties: { projects: { type: 'array', items: projectSchema } },
  required: ['projects'],
  additionalProperties: false,
} as const;

export const assignProjectResultSchema = {
  type: 'object',
  properties: { container_id: { type: 'string' }, name: { type: 'string' }, project_id: { type: 'string' }, previous_project_id: { type: 'string' } },
  required: ['container_id', 'name', 'project_id', 'previous_project_id'],
  additionalProperties: false,
} as const;

export const keyParamsSchema = {
  type: 'object',
  properties: { key: { type: 'string', pattern: '^[0-9a-f]{16}$', description: 'Key id (the part after "cs_").' } },
  required: ['key'],
  additionalProperties: false,
} as const;

export const createKeyBodySchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, format: PRINTABLE_TEXT_FORMAT, description: 'What the key is for.' },
    project: { anyOf: [projectIdSchema, { const: '*' }], description: 'The project the key may see, or "*" for every project.' },
    role: { type: 'string', enum: ROLES, description: 'viewer: reads; operator: snapshots, restore, copy, schedules, replicas; admin: also keys, projects, quotas, audit.' },
    expires_at: { ...timeSchema, description: 'When the key stops working (ISO-8601); absent = never.' },
  },
  required: ['name', 'project', 'role'],
  additionalProperties: false,
} as const;

const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    project: { type: 'string' },
    role: { type: 'string', enum: ROLES },
    created_at: timeSchema,
    created_by: { type: 'string' },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'name', 'project', 'role', 'created_at', 'created_by', 'expires_at', 'revoked_at'],
  additionalProperties: false,
} as const;

export const keyResultSchema = { type: 'object', properties: { key: keySchema }, required: ['key'], additionalProperties: false } as const;
export const createdKeyResultSchema = {
  type: 'object',
  properties: { key: keySchema, token: { type: 'string', description: 'The bearer token. Shown this once; only its hash is stored.' } },
  required: ['key', 'token'],
  additionalProperties: false,
} as const;
export const keyListSchema = { type: 'object', properties: { keys: { type: 'array', items: keySchema } }, required: ['keys'], additionalProperties: false } as const;

export const auditQuerySchema = {
  type: 'object',
  properties: {
    project: projectIdSchema,
    since: { ...timeSchema, description: 'Only entries at or after this time.' },
    action: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_.]{0,63}$', description: 'Operation id (createSnapshot, revokeKey, ...) or background action (reaper.delete, schedule.run).' },
    key: { type: 'string', pattern: '^[a-z0-9]{1,64}$', description: 'Only entries of this key id ("system", "bootstrap" or a key id).' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
  additionalProperties: false,
} as const;

const auditEntrySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: timeSchema,
    key_id: { type: 'string' },
    project_id: { type: ['string', 'null'] },
    action: { type: 'string' },
    target: { type: 'string' },
    result: { type: 'integer' },
    request_id: { type: ['string', 'null'] },
  },
  required: ['id', 'at', 'key_id', 'project_id', 'action', 'target', 'result', 'request_id'],
  additionalProperties: false,
} as const;

export const auditListSchema = {
  type: 'object',
  properties: {
    entries: { type: 'array', items: auditEntrySchema },
    total: { type: 'integer', minimum: 0 },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
  },
  required: ['entries', 'total', 'limit', 'offset'],
  additionalProperties: false,
} as const;
