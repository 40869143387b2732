import { ConflictError } from '../errors/conflict-error.js';

/** Who holds a container: one exclusive operation, or any number of shared ones (copies). */
interface Holding {
  readonly operation: string;
  readonly shared: boolean;
  count: number;
  readonly released: Promise<void>;
  readonly release: () => void;
}

/**
 * One operation at a time per container. A second operation waits briefly for the first to finish,
 * then gets 409 container_busy: operations never interleave on one container's filesystems. Copies only
 * read a snapshot, so they may share the container with each other, never with a restore or a delete.
 */
export class ContainerLocks {
  private readonly held = new Map<string, Holding>();

  constructor(
    private readonly waitMs = 2000,
    /** The 409 for a key still held after the wait (DatasetLocks reuses this class with its own words). */
    private readonly busyError: (key: string, heldBy: string) => ConflictError = containerBusy,
  ) {}

  async run<T>(containerId: string, operation: string, body: () => Promise<T>): Promise<T> {
    return this.hold(containerId, operation, false, body);
  }

  /** Like run(), but other shared holders (copies from the same container) may run at the same time. */
  async runShared<T>(containerId: string, operation: string, body: () => Promise<T>): Promise<T> {
    return this.hold(containerId, operation, true, body);
  }

  /**
   * Runs `body` holding the container only if nobody holds it now; never waits. Background work (the
   * reaper) uses it so it steps aside for restores and copies instead of making them wait or fail.
   */
  async tryRun<T>(containerId: string, operation: string, body: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false; heldBy: string }> {
    const current = this.held.get(containerId);
    if (current !== undefined) return { ran: false, heldBy: current.operation };
    const value = await this.run(containerId, operation, body);
    return { ran: true, value };
  }

  private async hold<T>(containerId: string, operation: string, shared: boolean, body: () => Promise<T>): Promise<T> {
    const release = await this.acquire(containerId, operation, shared);
    try {
      return await body();
    } finally {
      release();
    }
  }

  private async acquire(containerId: string, operation: string, shared: boolean): Promise<() => void> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const current = this.held.get(containerId);
      if (current === undefined) break;
      if (shared && current.shared) {
        current.count += 1;
        return () => {
          this.leave(containerId, current);
        };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw this.busyError(containerId, current.operation);
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        current.released,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, remaining);
        }),
      ]);
      clearTimeout(timer);
    }
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holding: Holding = { operation, shared, count: 1, released, release };
    this.held.set(containerId, holding);
    return () => {
      this.leave(containerId, holding);
    };
  }

  private leave(containerId: string, holding: Holding): void {
    holding.count -= 1;
    if (holding.count > 0) return;
    this.held.delete(containerId);
    holding.release();
  }
}

function containerBusy(containerId: string, heldBy: string): ConflictError {
  return new ConflictError(
    'container_busy',
    `Container ${containerId.slice(0, 12)} is busy with another operation (${heldBy}); try again when it has finished.`,
  );
}
