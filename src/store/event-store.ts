/** The event log (core/events/event-bus.ts): append, read after an id (SSE replay), prune by age. */
import type { Statement } from 'better-sqlite3';
import type { EventLogPort } from '../core/events/event-bus.js';
import { eventFromJson, eventJson, type CowsnapEvent, type EventJson, type NewEvent } from '../core/events/event.js';
import type { Database } from './database.js';

interface EventRow {
  readonly id: number;
  readonly body: string;
}

export class EventStore implements EventLogPort {
  private readonly insert: Statement<[{ type: string; projectId: string; containerId: string | null; at: number; body: string }], { id: number }>;
  private readonly after: Statement<[number, number], EventRow>;
  private readonly prune: Statement<[number]>;

  constructor(private readonly db: Database) {
    this.insert = db.prepare('INSERT INTO events (type, project_id, container_id, at, body) VALUES (@type, @projectId, @containerId, @at, @body) RETURNING id');
    this.after = db.prepare('SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT ?');
    this.prune = db.prepare('DELETE FROM events WHERE at < ?');
  }

  transaction<T>(body: () => T): T {
    return this.db.transaction(body)();
  }

  appendEvent(input: NewEvent & { readonly type: string; readonly at: Date }): CowsnapEvent {
    const draft: CowsnapEvent = { ...input, id: 0 };
    const { id: _unused, ...json } = eventJson(draft);
    const row = this.insert.get({ type: input.type, projectId: input.projectId, containerId: input.containerId, at: input.at.getTime(), body: JSON.stringify(json) });
    if (row === undefined) throw new Error('event insert returned no row');
    return { ...draft, id: row.id };
  }

  eventsAfter(afterId: number, limit: number): CowsnapEvent[] {
    return this.after.all(afterId, limit).map((row) => eventFromJson({ ...(JSON.parse(row.body) as Omit<EventJson, 'id'>), id: row.id }));
  }

  pruneEvents(before: Date): number {
    return this.prune.run(before.getTime()).changes;
  }
}
