/**
 * ajv schema of a stored manifest (StoredReplicaManifest). Strict: unknown fields are rejected, so a
 * manifest written by a newer format is reported instead of half-understood.
 */
import { MANIFEST_FORMAT_VERSION } from './manifest.js';
import { DRIVER_NAMES } from '../../storage-drivers/index.js';

const text = { type: 'string' } as const;
const nonEmpty = { type: 'string', minLength: 1 } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const byteCount = { type: 'integer', minimum: 0 } as const;
const stringList = { type: 'array', items: text } as const;
const nullableStringList = { type: ['array', 'null'], items: text } as const;
const role = { enum: ['rootfs', 'mount'] } as const;

const streamSchema = {
  type: 'object',
  properties: {
    key: nonEmpty,
    parentSnapshot: nullableText,
    parentId: nullableText,
    snapshotId: nonEmpty,
    plainBytes: byteCount,
    storedBytes: byteCount,
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
  required: ['key', 'parentSnapshot', 'parentId', 'snapshotId', 'plainBytes', 'storedBytes', 'sha256'],
  additionalProperties: false,
} as const;

const configSchema = {
  type: 'object',
  properties: {
    image: text,
    imageId: text,
    cmd: nullableStringList,
    entrypoint: nullableStringList,
    env: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: nonEmpty, sealedValue: nonEmpty },
        required: ['name', 'sealedValue'],
        additionalProperties: false,
      },
    },
    labels: { type: 'object', additionalProperties: text },
    workingDir: text,
    user: text,
    hostname: text,
    ports: {
      type: 'array',
      items: {
        type: 'object',
        properties: { containerPort: text, hostIp: nullableText, hostPort: nullableText },
        required: ['containerPort', 'hostIp', 'hostPort'],
        additionalProperties: false,
      },
    },
    mounts: {
      type: 'array',
      items: {
        type: 'object',
        properties: { type: text, source: text, destination: text, readOnly: { type: 'boolean' }, name: text },
        required: ['type', 'source', 'destination', 'readOnly'],
        additionalProperties: false,
      },
    },
    restartPolicy: {
      type: 'object',
      properties: { name: text, maximumRetryCount: { type: 'integer' } },
      required: ['name', 'maximumRetryCount'],
      additionalProperties: false,
    },
    networks: stringList,
    // Optional Docker settings a copy recreates (RecordedContainerConfig.dockerSettings); kept as recorded.
    dockerSettings: { type: 'object' },
  },
  required: ['image', 'imageId', 'cmd', 'entrypoint', 'env', 'labels', 'workingDir', 'user', 'hostname', 'ports', 'mounts', 'restartPolicy', 'networks'],
  additionalProperties: false,
} as const;

export const storedManifestSchema = {
  type: 'object',
  properties: {
    formatVersion: { const: MANIFEST_FORMAT_VERSION },
    cowsnapVersion: nonEmpty,
    containerId: nonEmpty,
    containerName: text,
    snapshotName: nonEmpty,
    alias: nullableText,
    createdAt: isoTime,
    expiresAt: { anyOf: [isoTime, { type: 'null' }] },
    uploadedAt: isoTime,
    origin: nonEmpty,
    tags: stringList,
    config: configSchema,
    uncaptured: {
      type: 'array',
      items: {
        type: 'object',
        properties: { role, mountPoint: text, source: nullableText, reason: text },
        required: ['role', 'mountPoint', 'source', 'reason'],
        additionalProperties: false,
      },
    },
    filesystems: {
      type: 'array',
      items: {
        type: 'object',
        properties: { role, mountPoint: text, driver: { enum: [...DRIVER_NAMES] }, stream: streamSchema },
        required: ['role', 'mountPoint', 'driver', 'stream'],
        additionalProperties: false,
      },
    },
  },
  required: [
    'formatVersion', 'cowsnapVersion', 'containerId', 'containerName', 'snapshotName', 'alias', 'createdAt',
    'expiresAt', 'uploadedAt', 'origin', 'tags', 'config', 'uncaptured', 'filesystems',
  ],
  additionalProperties: false,
} as const;
