/**
 * Read paths (list or show snapshots, schedules, replicas) ask "which container is this?" on every
 * request, and an inspect through the Docker socket costs more than the rest of such a request. Docker's
 * event stream says when any container changes (start, stop, rename, destroy, ...), so an answer is kept
 * until its container has an event. Freshness rule: nothing is cached while the event stream is down
 * (a missed event could leave a stale answer), and an answer is dropped at its container's first event.
 * Writes (snapshot, restore, copy) never use this: they act on the container's state and inspect it fresh.
 */
import type { ContainerDetails } from './container-details.js';

/** Bound on remembered refs (a ref is a name, id or id prefix); past it the cache starts over. */
const MAX_ENTRIES = 10_000;

export class ContainerLookupCache {
  private readonly byRef = new Map<string, ContainerDetails>();
  private live = false;
  /** Bumped at every event: a lookup that overlapped an event does not store what it found. */
  private generation = 0;

  /** The event stream is connected (true) or lost (false); either way what was known is dropped. */
  setLive(live: boolean): void {
    this.live = live;
    this.generation += 1;
    this.byRef.clear();
  }

  get(ref: string): ContainerDetails | undefined {
    return this.live ? this.byRef.get(ref) : undefined;
  }

  /** Call before asking Docker; pass the result to remember() with what Docker said. */
  begin(): number {
    return this.generation;
  }

  remember(ref: string, details: ContainerDetails, startedAt: number): void {
    if (!this.live || startedAt !== this.generation) return;
    if (this.byRef.size >= MAX_ENTRIES) this.byRef.clear();
    this.byRef.set(ref, details);
  }

  /** A container had an event: forget every answer that named it (null: an unreadable event, forget all). */
  containerChanged(id: string | null): void {
    this.generation += 1;
    if (id === null) this.byRef.clear();
    else for (const [ref, details] of this.byRef) if (details.id === id) this.byRef.delete(ref);
  }

  get isLive(): boolean {
    return this.live;
  }

  get size(): number {
    return this.byRef.size;
  }
}
