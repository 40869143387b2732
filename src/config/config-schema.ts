/**
 * The configuration file's JSON schema (also applied to COWSNAP_* overrides, after they are merged in).
 * Keys mirror CowsnapConfig; `listen` is the one string spelling of listen-address.ts.
 */
import { DRIVERS } from '../../storage-drivers/index.js';

const absolutePath = { type: 'string', pattern: '^/', minLength: 2 } as const;
const poolId = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' } as const;

/** One remote (RemoteConfig); everything but the five required fields has a default (config-defaults.ts). */
const remoteSchema = {
  type: 'object',
  properties: {
    id: poolId,
    endpoint: { type: 'string', pattern: '^https?://[^\\s/]+(/.*)?$' },
    region: { type: 'string', minLength: 1, maxLength: 64 },
    // S3's bucket naming rules (lowercase, digits, "." and "-", 3-63 characters).
    bucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' },
    prefix: { type: 'string', pattern: '^([A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*)?$', maxLength: 512 },
    credentialsFile: absolutePath,
    forcePathStyle: { type: 'boolean' },
    compressionLevel: { type: 'integer', minimum: 1, maximum: 19 },
    encryptionKeyFile: absolutePath,
    // S3 parts are 5 MiB to 5 GiB; above 512 MiB the memory bound stops meaning anything.
    partSizeMiB: { type: 'integer', minimum: 5, maximum: 512 },
    maxConcurrentUploads: { type: 'integer', minimum: 1, maximum: 16 },
  },
  required: ['id', 'endpoint', 'bucket', 'credentialsFile', 'encryptionKeyFile'],
  additionalProperties: false,
} as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const configFileSchema = {
  type: 'object',
  properties: {
    listen: { type: 'string', minLength: 1 },
    stateDir: absolutePath,
    databasePath: absolutePath,
    keyFile: absolutePath,
    tokenFile: absolutePath,
    // Long enough that guessing it is hopeless; a generated token is 64 hex characters.
    token: { type: 'string', minLength: 16, pattern: '^[\\x21-\\x7e]+$' },
    dockerSocket: absolutePath,
    pools: {
      type: 'array',
      items: {
        type: 'object',
        discriminator: { propertyName: 'driver' },
        properties: { id: poolId, driver: { type: 'string' } },
        required: ['id', 'driver'],
        // One alternative per storage driver, from its registration.
        oneOf: DRIVERS.map((driver) => ({
          properties: { id: poolId, driver: { const: driver.name }, ...driver.poolProperties },
          required: [...driver.requiredPoolProperties],
          additionalProperties: false,
        })),
      },
    },
    remotes: { type: 'array', items: remoteSchema },
    reaperSchedule: { type: 'string', minLength: 1 },
    stopTimeoutSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
    journalRetentionDays: { type: 'integer', minimum: 1, maximum: 3650 },
    eventRetentionDays: { type: 'integer', minimum: 1, maximum: 3650 },
    diffMaxChanges: { type: 'integer', minimum: 1, maximum: 10_000_000 },
    webhooks: {
      type: 'object',
      properties: {
        allowedHosts: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 253, pattern: '^(\\*\\.)?[A-Za-z0-9.:\\[\\]-]+$' } },
        timeoutSeconds: { type: 'integer', minimum: 1, maximum: 300 },
        maxAttempts: { type: 'integer', minimum: 1, maximum: 100 },
      },
      additionalProperties: false,
    },
    logLevel: { type: 'string', enum: LOG_LEVELS },
    rateLimit: {
      type: 'object',
      properties: { perMinute: { type: 'integer', minimum: 0, maximum: 1_000_000 }, burst: { type: 'integer', minimum: 1, maximum: 1_000_000 } },
      required: ['perMinute', 'burst'],
      additionalProperties: false,
    },
    auditRetentionDays: { type: 'integer', minimum: 1, maximum: 3650 },
  },
  additionalProperties: false,
} as const;
