/** Body and response of POST /containers/:container/copy (template cloning). */
import { snapshotRefSchema } from './common-schemas.js';
import { snapshotSchema } from './response-schemas.js';

export const copyBodySchema = {
  type: 'object',
  properties: {
    name: {
      type: 'string',
      // Docker's own rule for container names.
      pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,127}$',
      description: 'Name of the new container (Docker rules: letters, digits, _ . -; 2 to 128 characters).',
    },
    source_snapshot: { ...snapshotRefSchema, description: 'Snapshot name or alias; without it the current state is copied through a temporary snapshot.' },
    start: { type: 'boolean', default: true, description: 'Start the new container (default true).' },
    target_project_id: { type: 'string', enum: ['default'], description: 'Only "default" until projects exist.' },
  },
  required: ['name'],
  additionalProperties: false,
} as const;

export const copyResultSchema = {
  type: 'object',
  properties: {
    container: {
      type: 'object',
      properties: { id: { type: 'string' }, name: { type: 'string' }, state: { type: 'string' } },
      required: ['id', 'name', 'state'],
      additionalProperties: false,
    },
    project_id: { type: 'string' },
    source_container: {
      type: 'object',
      properties: { id: { type: 'string' }, name: { type: 'string' } },
      required: ['id', 'name'],
      additionalProperties: false,
    },
    source_snapshot: snapshotSchema,
    temporary_snapshot: { type: 'boolean', description: 'The snapshot was made for this copy and removed afterwards.' },
    warnings: { type: 'array', items: { type: 'string' }, description: 'Settings not carried over (host ports, ...).' },
  },
  required: ['container', 'project_id', 'source_container', 'source_snapshot', 'temporary_snapshot', 'warnings'],
  additionalProperties: false,
} as const;
