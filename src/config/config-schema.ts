/**
 * The configuration file's JSON schema (also applied to COWSNAP_* overrides, after they are merged in).
 * Keys mirror CowsnapConfig; `listen` is the one string spelling of listen-address.ts.
 */
const absolutePath = { type: 'string', pattern: '^/', minLength: 2 } as const;
const poolId = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' } as const;

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
        oneOf: [
          {
            properties: { id: poolId, driver: { const: 'btrfs' }, path: absolutePath },
            required: ['path'],
            additionalProperties: false,
          },
          {
            properties: {
              id: poolId,
              driver: { const: 'zfs' },
              dataset: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*(/[A-Za-z0-9_.:-]+)*$' },
            },
            required: ['dataset'],
            additionalProperties: false,
          },
        ],
      },
    },
    reaperSchedule: { type: 'string', minLength: 1 },
    stopTimeoutSeconds: { type: 'integer', minimum: 0, maximum: 3600 },
    journalRetentionDays: { type: 'integer', minimum: 1, maximum: 3650 },
    logLevel: { type: 'string', enum: LOG_LEVELS },
  },
  additionalProperties: false,
} as const;
