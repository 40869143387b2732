/** GET .../snapshots/:snapshot/diff: query and answer. */
import { containerRefSchema, snapshotRefSchema } from './common-schemas.js';

export const diffQuerySchema = {
  type: 'object',
  properties: {
    to: { anyOf: [{ const: 'current' }, snapshotRefSchema], default: 'current', description: 'A later snapshot (name or alias), or `current` (default): the container now.' },
    to_container: { ...containerRefSchema, description: "Compare with this container's snapshot (or current state) instead: e.g. a template against a copy." },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
  additionalProperties: false,
} as const;

const change = (type: object) => ({
  type: ['object', 'null'],
  properties: { before: type, after: type },
  required: ['before', 'after'],
  additionalProperties: false,
});
const argv = { type: ['array', 'null'], items: { type: 'string' } } as const;
const names = { type: 'array', items: { type: 'string' } } as const;
const keyChanges = {
  type: 'object',
  properties: { added: names, removed: names, changed: names },
  required: ['added', 'removed', 'changed'],
  additionalProperties: false,
} as const;

export const diffResultSchema = {
  type: 'object',
  properties: {
    container_id: { type: 'string' },
    project_id: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string', description: 'The later snapshot\'s name, or `current`.' },
    to_container_id: { type: 'string' },
    files: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string' },
          change: { type: 'string', enum: ['added', 'modified', 'deleted', 'renamed'] },
          from: { type: ['string', 'null'], description: 'The old path of a rename.' },
          type: { type: ['string', 'null'], enum: ['file', 'dir', 'symlink', 'other', null] },
          size_before: { type: ['integer', 'null'] },
          size_after: { type: ['integer', 'null'] },
        },
        required: ['path', 'change', 'from', 'type', 'size_before', 'size_after'],
        additionalProperties: false,
      },
    },
    total: { type: 'integer', description: 'Changed paths in all; `files` is the page `offset`..`offset+limit` of them, sorted by path.' },
    limit: { type: 'integer' },
    offset: { type: 'integer' },
    summary: {
      type: 'object',
      properties: { added: { type: 'integer' }, modified: { type: 'integer' }, deleted: { type: 'integer' }, renamed: { type: 'integer' } },
      required: ['added', 'modified', 'deleted', 'renamed'],
      additionalProperties: false,
    },
    filesystems: {
      type: 'array',
      items: {
        type: 'object',
        properties: { role: { type: 'string' }, mount_point: { type: 'string' }, compared: { type: 'boolean' }, reason: { type: ['string', 'null'] } },
        required: ['role', 'mount_point', 'compared', 'reason'],
        additionalProperties: false,
      },
    },
    config: {
      type: 'object',
      description: 'Configuration changes. Environment variables by name only: values are secrets and never shown.',
      properties: {
        changed: { type: 'boolean' },
        image: change({ type: 'string' }),
        cmd: change(argv),
        entrypoint: change(argv),
        working_dir: change({ type: 'string' }),
        user: change({ type: 'string' }),
        labels: keyChanges,
        env: keyChanges,
      },
      required: ['changed', 'image', 'cmd', 'entrypoint', 'working_dir', 'user', 'labels', 'env'],
      additionalProperties: false,
    },
  },
  required: ['container_id', 'project_id', 'from', 'to', 'to_container_id', 'files', 'total', 'limit', 'offset', 'summary', 'filesystems', 'config'],
  additionalProperties: false,
} as const;
