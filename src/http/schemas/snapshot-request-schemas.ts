/** Bodies and query strings of the snapshot routes (design.md §5). */
import { aliasFilterSchema, aliasSchema, expiryDaysSchema, tagFilterSchema, tagsSchema } from './common-schemas.js';

export const createSnapshotBodySchema = {
  type: 'object',
  properties: {
    alias: aliasSchema,
    expiry: expiryDaysSchema,
    tags: tagsSchema,
    quiesce: {
      type: 'string',
      enum: ['none', 'pause', 'stop'],
      default: 'none',
      description: 'none: snapshot as is; pause: freeze the processes for the instant of the snapshot; stop: stop and restart.',
    },
  },
  additionalProperties: false,
} as const;

export const listSnapshotsQuerySchema = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50, description: 'Page size (1–500).' },
    // Above 2^53 a number is no longer exact (and SQLite refuses it): a 400, not a 500.
    offset: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'How many snapshots to skip.' },
    alias: aliasFilterSchema,
    state: { type: 'string', enum: ['creating', 'ready', 'failed', 'deleting'] },
    origin: {
      type: 'string',
      pattern: '^(api|safety|schedule|schedule:[A-Za-z0-9_.-]{1,64})$',
      description: '"api", "safety", "schedule" (any schedule) or "schedule:<id>".',
    },
    tag: tagFilterSchema,
  },
  additionalProperties: false,
} as const;

export const updateSnapshotBodySchema = {
  type: 'object',
  properties: {
    alias: { ...aliasSchema, type: ['string', 'null'], description: 'A new alias, or null to clear it.' },
    expiry: { ...expiryDaysSchema, type: ['integer', 'null'], description: 'Days from now (1–3650), or null for permanent.' },
    tags: tagsSchema,
  },
  minProperties: 1,
  additionalProperties: false,
} as const;

export const restoreSnapshotBodySchema = {
  type: 'object',
  properties: {
    safety_snapshot: {
      type: 'boolean',
      default: false,
      description: 'Take a snapshot of the current state first, so the restore itself can be undone.',
    },
    stop_sharing_containers: {
      type: 'boolean',
      default: false,
      description:
        'A pool dataset the restore swaps may also be mounted by other running containers. Without this the restore is refused (409 dataset_in_use, naming them); with it they are stopped for the swap and started again.',
    },
  },
  additionalProperties: false,
} as const;
