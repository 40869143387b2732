/**
 * Server-Sent Events clients of GET /api/v1/events. Each client is a stream the event bus writes into;
 * writing only queues bytes, so an emit costs microseconds per client and never waits for a socket. A
 * client that stops reading (its queue passes `maxQueuedBytes`) is disconnected rather than buffered
 * without bound; it reconnects with Last-Event-ID and the log replays what it missed.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { EventBus } from '../../core/events/event-bus.js';
import { eventJson, type CowsnapEvent } from '../../core/events/event.js';
import { eventMatches, type EventFilter } from '../../core/events/event-filter.js';

export interface SseHubOptions {
  /** A comment line this often keeps proxies and clients from timing the stream out. */
  readonly heartbeatMs: number;
  readonly maxQueuedBytes: number;
  /** At most this many logged events are replayed on a reconnect; the client sees the newest ones. */
  readonly maxReplay: number;
}

export const SSE_DEFAULTS: SseHubOptions = { heartbeatMs: 15_000, maxQueuedBytes: 1024 * 1024, maxReplay: 10_000 };

/** One event in the SSE wire format; the type is in the JSON (clients use `onmessage`). */
export function sseFrame(event: CowsnapEvent): string {
  return `id: ${String(event.id)}\ndata: ${JSON.stringify(eventJson(event))}\n\n`;
}

export class SseHub {
  private readonly clients = new Set<PassThrough>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly options: SseHubOptions = SSE_DEFAULTS,
  ) {}

  open(filter: EventFilter, lastEventId: number | undefined): Readable {
    const stream = new PassThrough();
    // Tells EventSource how long to wait before reconnecting; the first bytes also flush the headers.
    stream.write('retry: 3000\n: connected\n\n');
    const unsubscribe = this.bus.follow(
      lastEventId,
      (event) => {
        if (!eventMatches(filter, event) || stream.destroyed) return;
        if (stream.writableLength > this.options.maxQueuedBytes) {
          stream.end();
          return;
        }
        stream.write(sseFrame(event));
      },
      this.options.maxReplay,
    );
    this.clients.add(stream);
    stream.once('close', () => {
      unsubscribe();
      this.clients.delete(stream);
    });
    this.timer ??= this.startHeartbeat();
    return stream;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Shutdown: ends every stream so the HTTP server can close. */
  closeAll(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const client of this.clients) client.end();
  }

  private startHeartbeat(): NodeJS.Timeout {
    const timer = setInterval(() => {
      for (const client of this.clients) {
        if (client.writableLength <= this.options.maxQueuedBytes) client.write(': heartbeat\n\n');
      }
    }, this.options.heartbeatMs);
    timer.unref();
    return timer;
  }
}
