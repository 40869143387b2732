/** GET /api/v1/events: the event stream (Server-Sent Events), filtered and resumable (design.md §10). */
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import type { SseHub } from '../events/sse-hub.js';
import { currentAccess } from '../../core/access/access-context.js';
import { ValidationError } from '../../errors/validation-error.js';
import { eventsQuerySchema, eventStreamSchema } from '../schemas/event-schemas.js';

export interface EventsApi {
  readonly hub: SseHub;
  /** `?container=` takes an id, id prefix or name (also of a removed container); 404 when none matches. */
  containerIdOf(ref: string): Promise<string>;
}


export function eventRoutes(api: EventsApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/events',
      operationId: 'streamEvents',
      summary:
        'Server-Sent Events: every operation\'s started/progress/succeeded/failed. Resumable with the Last-Event-ID header (or ?last_event_id=) from the persisted log.',
      tag: 'events',
      auth: true,
      role: 'viewer',
      request: { query: eventsQuerySchema },
      response: eventStreamSchema,
      raw: { contentType: 'text/event-stream' },
      errorStatuses: [404],
      async handle({ query, ctx }) {
        const header = ctx.get('last-event-id');
        let lastEventId = query.last_event_id;
        if (header !== '') {
          if (!/^\d{1,15}$/.test(header)) throw new ValidationError([{ path: '/headers/last-event-id', message: 'must be an event id (a whole number)' }]);
          lastEventId = Number(header);
        }
        const types = query.kind?.split(',').map((k) => k.trim()).filter((k) => k !== '');
        const containerId = query.container === undefined ? undefined : await api.containerIdOf(query.container);
        ctx.set('cache-control', 'no-cache');
        ctx.set('x-accel-buffering', 'no');
        // An event stream has no end; the server's idle timeout must not cut it.
        ctx.req.socket.setTimeout(0);
        // A project's key sees its project's events only (design.md §9).
        const projectId = currentAccess().projectFilter;
        const stream = api.hub.open(
          { ...(types !== undefined && { types }), ...(containerId !== undefined && { containerId }), ...(projectId !== undefined && { projectId }) },
          lastEventId,
        );
        return { message: 'event stream', data: stream };
      },
    }),
  ];
}
