/** Requests and responses of replicas, remotes and operations (design.md §8). */
import { OPERATION_KINDS } from '../../core/operations.js';
import { containerRefSchema, expiryDaysSchema, snapshotRefSchema } from './common-schemas.js';
import { DRIVER_NAMES } from '../../../storage-drivers/index.js';

const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableBytes = { type: ['integer', 'null'], minimum: 0 } as const;

/** Remote ids as the configuration allows them; nothing else can name a remote. */
export const remoteIdSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
  description: 'Id of a configured remote (config `remotes[].id`).',
} as const;

export const replicaSchema = {
  type: 'object',
  properties: {
    remote: { type: 'string' },
    state: { type: 'string', enum: ['uploading', 'ready', 'failed'] },
    bytes: { ...nullableBytes, description: 'Plain bytes of all streams (before compression and encryption); null until uploaded.' },
    stored_bytes: { ...nullableBytes, description: 'Bytes stored in the bucket; null until uploaded.' },
    uploaded_at: nullableDateTime,
    parent: { type: ['string', 'null'], description: 'The snapshot its incremental streams depend on; null when every stream is full.' },
    error: { type: ['string', 'null'] },
    operation_id: { type: ['integer', 'null'], description: 'The upload operation (GET /operations/:id).' },
    expires_at: { ...nullableDateTime, description: 'When the remote reaper may delete it (its own remote expiry); null: kept until deleted.' },
    schedule_id: { type: ['integer', 'null'], description: 'The schedule that pushed it (its keep_min applies in the remote too); null: pushed by hand.' },
    why: {
      type: ['string', 'null'],
      description: 'Why the remote reaper keeps it past its expiry, e.g. "parent of snap-…" or "keep_min 2 of schedule 3"; null when it is not expired.',
    },
  },
  required: ['remote', 'state', 'bytes', 'stored_bytes', 'uploaded_at', 'parent', 'error', 'operation_id', 'expires_at', 'schedule_id', 'why'],
  additionalProperties: false,
} as const;

export const operationSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string', enum: OPERATION_KINDS },
    state: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] },
    container_id: { type: ['string', 'null'] },
    snapshot: { type: ['string', 'null'] },
    target: { type: ['string', 'null'], description: 'What else the operation works on (the remote of an upload).' },
    bytes_done: { type: 'integer', minimum: 0 },
    bytes_total: { ...nullableBytes, description: 'Null while unknown: a replication stream\'s size is known when it ends.' },
    error: {
      type: ['object', 'null'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
      additionalProperties: false,
    },
    started_at: dateTime,
    updated_at: dateTime,
    finished_at: nullableDateTime,
  },
  required: ['id', 'kind', 'state', 'container_id', 'snapshot', 'target', 'bytes_done', 'bytes_total', 'error', 'started_at', 'updated_at', 'finished_at'],
  additionalProperties: false,
} as const;

export const pushReplicaBodySchema = {
  type: 'object',
  properties: {
    remote: remoteIdSchema,
    expiry: {
      ...expiryDaysSchema,
      description:
        'Days the replica is kept in the remote, counted from the push (1–3650); absent: kept until deleted. After that the remote reaper deletes it, unless a replica that is kept depends on it.',
    },
  },
  required: ['remote'],
  additionalProperties: false,
} as const;

export const pushReplicaResultSchema = {
  type: 'object',
  properties: {
    container_id: { type: 'string' },
    project_id: { type: 'string' },
    snapshot: { type: 'string' },
    replica: replicaSchema,
    operation: operationSchema,
  },
  required: ['container_id', 'project_id', 'snapshot', 'replica', 'operation'],
  additionalProperties: false,
} as const;

export const replicaParamsSchema = {
  type: 'object',
  properties: { container: containerRefSchema, snapshot: snapshotRefSchema, remote: remoteIdSchema },
  required: ['container', 'snapshot', 'remote'],
  additionalProperties: false,
} as const;

export const deleteReplicaResultSchema = {
  type: 'object',
  properties: { container_id: { type: 'string' }, snapshot: { type: 'string' }, remote: { type: 'string' } },
  required: ['container_id', 'snapshot', 'remote'],
  additionalProperties: false,
} as const;

export const verifyResultSchema = {
  type: 'object',
  properties: {
    container_id: { type: 'string' },
    snapshot: { type: 'string' },
    remote: { type: 'string' },
    ok: { type: 'boolean', description: 'True when every stream\'s chunks authenticate and its sha256 matches the manifest.' },
    streams: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer', minimum: 0 },
          role: { type: 'string', enum: ['rootfs', 'mount'] },
          mount_point: { type: 'string' },
          ok: { type: 'boolean' },
          bytes: { type: 'integer', minimum: 0, description: 'Plain bytes read back.' },
          problem: { type: ['string', 'null'] },
        },
        required: ['index', 'role', 'mount_point', 'ok', 'bytes', 'problem'],
        additionalProperties: false,
      },
    },
  },
  required: ['container_id', 'snapshot', 'remote', 'ok', 'streams'],
  additionalProperties: false,
} as const;

export const remoteParamsSchema = {
  type: 'object',
  properties: { remote: remoteIdSchema },
  required: ['remote'],
  additionalProperties: false,
} as const;

export const remoteListSchema = {
  type: 'object',
  properties: {
    remotes: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false },
    },
  },
  required: ['remotes'],
  additionalProperties: false,
} as const;

export const remoteSnapshotsQuerySchema = {
  type: 'object',
  properties: {
    container: { ...containerRefSchema, description: 'Only this container: its id, or an id prefix or name this host knows.' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
  additionalProperties: false,
} as const;

const remoteStreamSchema = {
  type: 'object',
  properties: {
    role: { type: 'string', enum: ['rootfs', 'mount'] },
    mount_point: { type: 'string' },
    driver: { type: 'string', enum: [...DRIVER_NAMES] },
    parent: { type: ['string', 'null'], description: 'Snapshot this stream is incremental to; null for a full stream.' },
    bytes: { type: 'integer', minimum: 0 },
    stored_bytes: { type: 'integer', minimum: 0 },
    sha256: { type: 'string' },
  },
  required: ['role', 'mount_point', 'driver', 'parent', 'bytes', 'stored_bytes', 'sha256'],
  additionalProperties: false,
} as const;

export const remoteSnapshotSchema = {
  type: 'object',
  properties: {
    container_id: { type: 'string' },
    container_name: { type: 'string' },
    name: { type: 'string' },
    alias: { type: ['string', 'null'] },
    created_at: dateTime,
    uploaded_at: dateTime,
    expires_at: nullableDateTime,
    origin: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    incremental: { type: 'boolean' },
    bytes: { type: 'integer', minimum: 0 },
    stored_bytes: { type: 'integer', minimum: 0 },
    streams: { type: 'array', items: remoteStreamSchema },
    cowsnap_version: { type: 'string' },
  },
  required: [
    'container_id', 'container_name', 'name', 'alias', 'created_at', 'uploaded_at', 'expires_at', 'origin', 'tags',
    'incremental', 'bytes', 'stored_bytes', 'streams', 'cowsnap_version',
  ],
  additionalProperties: false,
} as const;

export const remoteSnapshotListSchema = {
  type: 'object',
  properties: {
    remote: { type: 'string' },
    snapshots: { type: 'array', items: remoteSnapshotSchema },
    invalid: {
      type: 'array',
      description: 'Manifests found but not trusted (unreadable, wrong schema); reported, never used.',
      items: { type: 'object', properties: { key: { type: 'string' }, problem: { type: 'string' } }, required: ['key', 'problem'], additionalProperties: false },
    },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
    has_more: { type: 'boolean' },
  },
  required: ['remote', 'snapshots', 'invalid', 'limit', 'offset', 'has_more'],
  additionalProperties: false,
} as const;

export const operationParamsSchema = {
  type: 'object',
  // Path parameters stay strings (only query strings are converted).
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,14}$', description: 'Operation id.' } },
  required: ['id'],
  additionalProperties: false,
} as const;

export const listOperationsQuerySchema = {
  type: 'object',
  properties: {
    container: containerRefSchema,
    state: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
  additionalProperties: false,
} as const;

export const operationListSchema = {
  type: 'object',
  properties: {
    operations: { type: 'array', items: operationSchema },
    total: { type: 'integer', minimum: 0 },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
  },
  required: ['operations', 'total', 'limit', 'offset'],
  additionalProperties: false,
} as const;
