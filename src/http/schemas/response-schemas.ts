/**
 * What the API returns. Used for the OpenAPI document and, in tests, to check that the serializers
 * produce exactly this (field names are part of the contract, design.md §5).
 */
import { replicaSchema } from './replica-schemas.js';
import { DRIVER_NAMES } from '../../../storage-drivers/index.js';

const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const roleSchema = { type: 'string', enum: ['rootfs', 'mount'] } as const;

export const filesystemSchema = {
  type: 'object',
  properties: {
    role: roleSchema,
    mount_point: { type: 'string' },
    driver: { type: 'string', enum: [...DRIVER_NAMES] },
    pool: { type: 'string' },
    dataset: { type: 'string' },
  },
  required: ['role', 'mount_point', 'driver', 'pool', 'dataset'],
  additionalProperties: false,
} as const;

export const uncapturedSchema = {
  type: 'object',
  properties: {
    role: roleSchema,
    mount_point: { type: 'string' },
    source: { type: ['string', 'null'] },
    reason: { type: 'string' },
  },
  required: ['role', 'mount_point', 'source', 'reason'],
  additionalProperties: false,
} as const;

export const snapshotSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'snap-YYYYMMDD-HHMMSS[-n], UTC; never changes.' },
    alias: { type: ['string', 'null'] },
    created_at: { type: 'string', format: 'date-time' },
    last_used_at: nullableDateTime,
    expires_at: nullableDateTime,
    stateful: { type: 'boolean', const: false, description: 'Process memory is never captured.' },
    size: { type: ['integer', 'null'], minimum: 0, description: 'Exclusive bytes (what deleting it would free); null if unknown or not measured yet. Measured in the background: within moments of the create, and again when a read finds the figure older than 30 s.' },
    state: { type: 'string', enum: ['creating', 'ready', 'failed', 'deleting'] },
    tags: { type: 'array', items: { type: 'string' } },
    filesystems: { type: 'array', items: filesystemSchema },
    uncaptured: { type: 'array', items: uncapturedSchema },
    origin: { type: 'string', description: '"api", "safety" or "schedule:<id>".' },
    error: { type: ['string', 'null'] },
    container_name: { type: 'string', description: "The container's name when the snapshot was made." },
    replicas: { type: 'array', items: replicaSchema, description: "This host's uploads of the snapshot to remotes; they outlive the local snapshot." },
  },
  required: [
    'name', 'alias', 'created_at', 'last_used_at', 'expires_at', 'stateful', 'size', 'state', 'tags',
    'filesystems', 'uncaptured', 'origin', 'error', 'container_name', 'replicas',
  ],
  additionalProperties: false,
} as const;

export const captureEntrySchema = {
  type: 'object',
  properties: {
    role: roleSchema,
    mount_point: { type: 'string' },
    source: { type: ['string', 'null'] },
    captured: { type: 'boolean' },
    reason: { type: ['string', 'null'] },
    driver: { type: ['string', 'null'] },
    pool: { type: ['string', 'null'] },
    dataset: { type: ['string', 'null'] },
  },
  required: ['role', 'mount_point', 'source', 'captured', 'reason', 'driver', 'pool', 'dataset'],
  additionalProperties: false,
} as const;

export const containerSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    image: { type: 'string' },
    project_id: { type: 'string', description: 'The project the container belongs to.' },
    state: { type: 'string', description: 'Docker\'s state ("running", "exited", ...) or "removed".' },
    snapshot_count: { type: 'integer', minimum: 0 },
    newest_snapshot_at: { type: ['string', 'null'], format: 'date-time', description: 'When its newest snapshot (any state) was taken; null: none.' },
    schedules: {
      type: 'object',
      description: 'Its schedules in numbers (the list is GET /containers/:container/schedules).',
      properties: {
        active: { type: 'integer', minimum: 0 },
        paused: { type: 'integer', minimum: 0 },
        next_run_at: { type: ['string', 'null'], format: 'date-time', description: 'The soonest next run of an active schedule.' },
      },
      required: ['active', 'paused', 'next_run_at'],
      additionalProperties: false,
    },
    capture: { type: 'array', items: captureEntrySchema },
  },
  required: ['id', 'name', 'image', 'project_id', 'state', 'snapshot_count', 'newest_snapshot_at', 'schedules', 'capture'],
  additionalProperties: false,
} as const;

/** `data` of create/get/update/delete. */
export const snapshotResultSchema = {
  type: 'object',
  properties: {
    container_id: { type: 'string' },
    project_id: { type: 'string' },
    snapshot: snapshotSchema,
  },
  required: ['container_id', 'project_id', 'snapshot'],
  additionalProperties: false,
} as const;

export const snapshotListSchema = {
  type: 'object',
  properties: {
    container_id: { type: 'string' },
    project_id: { type: 'string' },
    snapshots: { type: 'array', items: snapshotSchema },
    total: { type: 'integer', minimum: 0 },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
  },
  required: ['container_id', 'project_id', 'snapshots', 'total', 'limit', 'offset'],
  additionalProperties: false,
} as const;

export const restoreResultSchema = {
  type: 'object',
  properties: {
    container_id: { type: 'string' },
    project_id: { type: 'string' },
    snapshot: snapshotSchema,
    safety_snapshot: { oneOf: [snapshotSchema, { type: 'null' }] },
    was_running: { type: 'boolean' },
    stopped_sharing_containers: {
      type: 'array',
      items: { type: 'string' },
      description: 'Other containers stopped for the swap and started again because they mount a restored dataset.',
    },
    duration_ms: { type: 'integer', minimum: 0 },
    durations: {
      type: 'object',
      properties: {
        stop_ms: { type: 'integer', minimum: 0 },
        swap_ms: { type: 'integer', minimum: 0 },
        start_ms: { type: 'integer', minimum: 0 },
      },
      required: ['stop_ms', 'swap_ms', 'start_ms'],
      additionalProperties: false,
    },
  },
  required: ['container_id', 'project_id', 'snapshot', 'safety_snapshot', 'was_running', 'stopped_sharing_containers', 'duration_ms', 'durations'],
  additionalProperties: false,
} as const;

export const containerListSchema = {
  type: 'object',
  properties: { containers: { type: 'array', items: containerSchema } },
  required: ['containers'],
  additionalProperties: false,
} as const;

export const containerResultSchema = {
  type: 'object',
  properties: { container: containerSchema },
  required: ['container'],
  additionalProperties: false,
} as const;

export const healthSchema = {
  type: 'object',
  properties: { ok: { type: 'boolean' } },
  required: ['ok'],
  description: 'ok; with a valid token also every component check (docker, pools, database).',
} as const;

/** Every response: the envelope around `data`. */
export function envelopeSchema(data: object): object {
  return {
    type: 'object',
    properties: { statusCode: { type: 'integer' }, message: { type: 'string' }, data },
    required: ['statusCode', 'message', 'data'],
    additionalProperties: false,
  };
}

export const errorEnvelopeSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    message: { type: 'string' },
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'Stable snake_case code scripts can match on.' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              path: { type: 'string' },
              message: { type: 'string' },
              // 403 forbidden
              required_role: { type: 'string', enum: ['viewer', 'operator', 'admin'] },
              all_projects: { type: 'boolean' },
              // 403 quota_exceeded
              quota: { type: 'string', enum: ['max_snapshots', 'max_snapshot_bytes', 'max_schedules', 'max_replica_bytes'] },
              project: { type: 'string' },
              remote: { type: 'string' },
              limit: { type: 'integer' },
              used: { type: 'integer' },
            },
            required: ['path', 'message'],
            additionalProperties: false,
          },
        },
      },
      required: ['code', 'details'],
      additionalProperties: false,
    },
  },
  required: ['statusCode', 'message', 'error'],
  additionalProperties: false,
} as const;
