/** The event stream's query and the event object it carries (also the webhook delivery body). */
import { containerRefSchema } from './common-schemas.js';

const kindPattern = '^[a-z*][a-z.*]*(,[a-z*][a-z.*]*)*$';

export const eventsQuerySchema = {
  type: 'object',
  properties: {
    container: containerRefSchema,
    kind: {
      type: 'string',
      maxLength: 500,
      pattern: kindPattern,
      description: 'Comma-separated event types or dotted prefixes: `snapshot.restore`, `snapshot`, `replica.upload.failed`.',
    },
    last_event_id: { type: 'integer', minimum: 0, description: 'Replay events after this id (as the Last-Event-ID header does).' },
  },
  additionalProperties: false,
} as const;

export const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    type: { type: 'string', description: '`<kind>.<phase>`, e.g. `snapshot.restore.succeeded`.' },
    at: { type: 'string', format: 'date-time' },
    project_id: { type: 'string' },
    container_id: { type: ['string', 'null'] },
    snapshot: { type: ['string', 'null'] },
    operation_id: { type: ['integer', 'null'] },
    target: { type: ['string', 'null'] },
    duration_ms: { type: ['integer', 'null'] },
    bytes_done: { type: ['integer', 'null'] },
    bytes_total: { type: ['integer', 'null'] },
    error: {
      type: ['object', 'null'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['id', 'type', 'at', 'project_id', 'container_id', 'snapshot', 'operation_id', 'target', 'duration_ms', 'bytes_done', 'bytes_total', 'error'],
} as const;

/** The stream itself: `id: <n>` and `data: <event JSON>` per event; `: heartbeat` comments in between. */
export const eventStreamSchema = { type: 'string', description: 'text/event-stream; each `data:` line is an event object.', 'x-event': eventSchema } as const;
