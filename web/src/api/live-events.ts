/**
 * The console's live view: one event stream per signed-in session (GET /api/v1/events, the same
 * Server-Sent Events a script reads, already filtered to the key's project), fanned out to whichever page
 * is open. The `eventsource` package adds what the browser's own EventSource lacks, the Authorization
 * header, and reconnects with Last-Event-ID by itself. Pages keep a slow poll as the fallback (a proxy
 * that buffers the stream, a dropped connection).
 */
import { EventSource } from 'eventsource';

/** The fields of an event (design.md §10) a page decides on. */
export interface LiveEvent {
  readonly type: string;
  readonly container_id: string | null;
  readonly snapshot: string | null;
}

export type LiveListener = (event: LiveEvent) => void;

export class LiveEvents {
  private readonly listeners = new Set<LiveListener>();
  private source: EventSource | null = null;

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  /** Listens until the returned function is called; the stream is open while anyone listens. */
  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    this.source ??= this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  close(): void {
    this.source?.close();
    this.source = null;
  }

  private open(): EventSource {
    const authorization = `Bearer ${this.token}`;
    const source = new EventSource(this.url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, authorization } }),
    });
    source.onmessage = (message) => {
      const event = parseEvent(String(message.data));
      if (event !== undefined) for (const listener of [...this.listeners]) listener(event);
    };
    return source;
  }
}

export function parseEvent(data: string): LiveEvent | undefined {
  try {
    const value = JSON.parse(data) as Partial<LiveEvent> | null;
    return typeof value?.type === 'string' ? { type: value.type, container_id: value.container_id ?? null, snapshot: value.snapshot ?? null } : undefined;
  } catch {
    return undefined;
  }
}

/** A finished (or failed) operation: the moment a view's data has changed. */
export function isOutcome(event: LiveEvent): boolean {
  return event.type.endsWith('.succeeded') || event.type.endsWith('.failed');
}
