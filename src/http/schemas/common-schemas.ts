/**
 * Building blocks shared by the request and response schemas. Plain JSON-schema objects (2020-12 dialect,
 * which OpenAPI 3.1 uses as is), so the server validates with exactly what the OpenAPI document publishes.
 */

/**
 * Aliases, tags and snapshot references are shown in terminals and logs: the rules are in
 * core/alias-rules.ts. Checked by the `printable-text` and `alias` formats registered in validation.ts.
 */
export const PRINTABLE_TEXT_FORMAT = 'printable-text';
export const ALIAS_FORMAT = 'snapshot-alias';

export const aliasSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 100,
  format: ALIAS_FORMAT,
  description:
    'Free name for the snapshot: 1–100 printable characters (no control or invisible format characters, no leading/trailing whitespace), unique among the container\'s snapshots, not shaped like a snapshot name (snap-YYYYMMDD-HHMMSS[-n]).',
} as const;

/** Filtering by alias: any printable text (an old record may hold an alias today's rules refuse). */
export const aliasFilterSchema = { ...aliasSchema, format: PRINTABLE_TEXT_FORMAT, description: 'Only the snapshot with this alias.' } as const;

export const expiryDaysSchema = {
  type: 'integer',
  minimum: 1,
  maximum: 3650,
  description: 'Whole days until the snapshot expires (1–3650). Absent: permanent.',
} as const;

export const tagsSchema = {
  type: 'array',
  maxItems: 50,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 64, format: PRINTABLE_TEXT_FORMAT },
  description: 'Up to 50 distinct tags of 1–64 printable characters.',
} as const;

/** Filtering by tag: one tag as tagsSchema allows it, matched exactly (case and all). */
export const tagFilterSchema = { ...tagsSchema.items, description: 'Only snapshots carrying this tag (exact match).' } as const;

/** Docker ids are hex, names are `[a-zA-Z0-9][a-zA-Z0-9_.-]*`; both fit this, and nothing else can match a container. */
export const containerRefSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$',
  description: 'Docker container id, unique id prefix, or name.',
} as const;

export const snapshotRefSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 100,
  format: PRINTABLE_TEXT_FORMAT,
  description: 'Snapshot name (snap-YYYYMMDD-HHMMSS[-n]) or alias; the name wins when both match.',
} as const;

export const containerParamsSchema = {
  type: 'object',
  properties: { container: containerRefSchema },
  required: ['container'],
  additionalProperties: false,
} as const;

export const snapshotParamsSchema = {
  type: 'object',
  properties: { container: containerRefSchema, snapshot: snapshotRefSchema },
  required: ['container', 'snapshot'],
  additionalProperties: false,
} as const;
