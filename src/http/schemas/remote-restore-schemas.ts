/** Requests and responses of restore, copy and recovery from remotes (design.md §8). */
import { COPY_NAME_MAX_LENGTH, COPY_NAME_PATTERN } from '../../core/copy-name.js';
import { containerRefSchema, expiryDaysSchema, snapshotRefSchema } from './common-schemas.js';
import { targetProjectIdSchema } from './copy-schemas.js';
import { operationSchema, remoteIdSchema } from './replica-schemas.js';
import { restoreSnapshotBodySchema } from './snapshot-request-schemas.js';

const newNameSchema = {
  type: 'string',
  pattern: COPY_NAME_PATTERN,
  minLength: 2,
  maxLength: COPY_NAME_MAX_LENGTH,
  description: `Name of the new container and its hostname (letters, digits, _ . -; 2 to ${String(COPY_NAME_MAX_LENGTH)} characters).`,
} as const;

const startSchema = { type: 'boolean', default: true, description: 'Start the new container (default true).' } as const;

const downloadExpirySchema = {
  ...expiryDaysSchema,
  description:
    'Local expiry (1–3650 days from the download) of the snapshots this download records on this host. Absent: they are kept, as the base of the next download. Snapshots already on the pool keep theirs.',
} as const;

/** The options of a local restore, and the local expiry of what is downloaded. */
export const restoreFromRemoteBodySchema = {
  ...restoreSnapshotBodySchema,
  properties: { ...restoreSnapshotBodySchema.properties, expiry: downloadExpirySchema },
} as const;

export const restoreFromRemoteResultSchema = {
  type: 'object',
  properties: {
    container_id: { type: 'string' },
    snapshot: { type: 'string' },
    remote: { type: 'string' },
    operation: operationSchema,
  },
  required: ['container_id', 'snapshot', 'remote', 'operation'],
  additionalProperties: false,
} as const;

export const remoteSnapshotParamsSchema = {
  type: 'object',
  properties: {
    remote: remoteIdSchema,
    container_id: { ...containerRefSchema, description: 'The id of the container the replica was pushed from (on any host), as `GET /remotes/:remote/snapshots` lists it.' },
    snapshot: { ...snapshotRefSchema, description: 'The replica\'s snapshot name.' },
  },
  required: ['remote', 'container_id', 'snapshot'],
  additionalProperties: false,
} as const;

export const copyFromRemoteBodySchema = {
  type: 'object',
  properties: { name: newNameSchema, start: startSchema, expiry: downloadExpirySchema, target_project_id: targetProjectIdSchema },
  required: ['name'],
  additionalProperties: false,
} as const;

export const recoverBodySchema = {
  type: 'object',
  properties: {
    container: { ...containerRefSchema, description: 'The lost container\'s id, id prefix (4+ characters) or name, as its replicas recorded it.' },
    name: { ...newNameSchema, description: 'Name of the recreated container; default the old name, or "<old>-recovered" when a container has it.' },
    start: startSchema,
    expiry: downloadExpirySchema,
    target_project_id: targetProjectIdSchema,
  },
  required: ['container'],
  additionalProperties: false,
} as const;

export const remoteCopyResultSchema = {
  type: 'object',
  properties: {
    source_container_id: { type: 'string' },
    source_container_name: { type: 'string' },
    snapshot: { type: 'string' },
    remote: { type: 'string' },
    name: { type: 'string', description: 'The new container\'s name (the operation\'s target).' },
    operation: operationSchema,
  },
  required: ['source_container_id', 'source_container_name', 'snapshot', 'remote', 'name', 'operation'],
  additionalProperties: false,
} as const;
