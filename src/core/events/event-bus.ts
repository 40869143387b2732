/**
 * The event bus: emit → persisted log → in-process fan-out. Writing the event and what the writers
 * derive from it (the webhook outbox) is one SQLite transaction, so a crash never leaves an event without
 * its deliveries. Listeners (SSE clients) run after the commit, synchronously and cheaply: they only queue
 * bytes, so a slow client never slows the operation that emitted.
 */
import type { Clock } from '../clock.js';
import type { CowsnapEvent, NewEvent } from './event.js';

export interface EventLogPort {
  /** Runs `body` in one transaction. */
  transaction<T>(body: () => T): T;
  appendEvent(event: NewEvent & { readonly type: string; readonly at: Date }): CowsnapEvent;
  /** Oldest first, ids greater than `afterId`. */
  eventsAfter(afterId: number, limit: number): CowsnapEvent[];
  pruneEvents(before: Date): number;
}

/** Runs inside the event's transaction; a throw rolls the event back too. */
export type EventWriter = (event: CowsnapEvent) => void;
export type EventListener = (event: CowsnapEvent) => void;

export class EventBus {
  private readonly writers: EventWriter[] = [];
  private readonly listeners = new Set<EventListener>();

  constructor(
    private readonly log: EventLogPort,
    private readonly clock: Clock,
    /** An event that cannot be written is reported here, never thrown into the operation that emitted it. */
    private readonly onError: (error: unknown, event: NewEvent) => void,
  ) {}

  addWriter(writer: EventWriter): void {
    this.writers.push(writer);
  }

  emit(input: NewEvent): CowsnapEvent | undefined {
    let event: CowsnapEvent;
    try {
      event = this.log.transaction(() => this.append(input));
    } catch (error) {
      this.onError(error, input);
      return undefined;
    }
    this.notify(event, input);
    return event;
  }

  /**
   * A store change and the event it makes, in one commit: one fsync where the change and then emit() take
   * two (an operation's outcome is on a create's path to its answer). When that commit fails, the change
   * is made again alone and its event emitted on its own, as emit() would: an event that cannot be
   * written never costs the change, and a change that fails throws as it did.
   */
  emitWith<T>(change: () => T, eventOf: (result: T) => NewEvent | undefined): T {
    let done: { result: T; input: NewEvent | undefined; event: CowsnapEvent | undefined };
    try {
      done = this.log.transaction(() => {
        const result = change();
        const input = eventOf(result);
        return { result, input, event: input === undefined ? undefined : this.append(input) };
      });
    } catch {
      const result = change();
      const input = eventOf(result);
      if (input !== undefined) this.emit(input);
      return result;
    }
    if (done.event !== undefined && done.input !== undefined) this.notify(done.event, done.input);
    return done.result;
  }

  /** Inside a transaction: the event and what the writers derive from it (the webhook outbox). */
  private append(input: NewEvent): CowsnapEvent {
    const written = this.log.appendEvent({ ...input, type: `${input.kind}.${input.phase}`, at: this.clock.now() });
    for (const writer of this.writers) writer(written);
    return written;
  }

  /** After the commit: the in-process listeners (SSE clients). */
  private notify(event: CowsnapEvent, input: NewEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error, input);
      }
    }
  }

  /**
   * Replays the log after `afterId` and then follows live events, with nothing missed or doubled: the
   * replay and the subscription happen in one synchronous step, and emit() is synchronous too.
   */
  follow(afterId: number | undefined, listener: EventListener, maxReplay: number): () => void {
    if (afterId !== undefined) {
      let cursor = afterId;
      for (let replayed = 0; replayed < maxReplay; ) {
        const page = this.log.eventsAfter(cursor, Math.min(500, maxReplay - replayed));
        for (const event of page) listener(event);
        replayed += page.length;
        const last = page.at(-1);
        if (last === undefined || page.length < 500) break;
        cursor = last.id;
      }
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  prune(before: Date): number {
    return this.log.pruneEvents(before);
  }
}
