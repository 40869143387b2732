/** Body and response of POST /containers/:container/copy (template cloning). */
import { COPY_NAME_MAX_LENGTH, COPY_NAME_PATTERN } from '../../core/copy-name.js';
import { projectIdSchema } from './access-schemas.js';
import { snapshotRefSchema } from './common-schemas.js';
import { snapshotSchema } from './response-schemas.js';

/** The project a new container lands in (a copy, a copy or recovery from a remote). */
export const targetProjectIdSchema = {
  ...projectIdSchema,
  description: "The project the new container lands in (default: its source's). It must exist; a project's key may name only its own project.",
} as const;

export const copyBodySchema = {
  type: 'object',
  properties: {
    name: {
      type: 'string',
      // Docker's rule for container names; the length is the hostname's (the copy's hostname is its name).
      pattern: COPY_NAME_PATTERN,
      minLength: 2,
      maxLength: COPY_NAME_MAX_LENGTH,
      description: `Name of the new container and its hostname (letters, digits, _ . -; 2 to ${COPY_NAME_MAX_LENGTH} characters).`,
    },
    source_snapshot: { ...snapshotRefSchema, description: 'Snapshot name or alias; without it the current state is copied through a temporary snapshot.' },
    start: { type: 'boolean', default: true, description: 'Start the new container (default true).' },
    target_project_id: targetProjectIdSchema,
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
    project_id: { type: 'string', description: 'The project the copy is in.' },
    source_container: {
      type: 'object',
      properties: { id: { type: 'string' }, name: { type: 'string' } },
      required: ['id', 'name'],
      additionalProperties: false,
    },
    source_snapshot: snapshotSchema,
    temporary_snapshot: { type: 'boolean', description: 'The snapshot was made for this copy and removed afterwards.' },
    warnings: { type: 'array', items: { type: 'string' }, description: 'Settings not carried over (host ports, settings the snapshot did not record, ...).' },
  },
  required: ['container', 'project_id', 'source_container', 'source_snapshot', 'temporary_snapshot', 'warnings'],
  additionalProperties: false,
} as const;
