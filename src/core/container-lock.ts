import { ConflictError } from '../errors/conflict-error.js';

/**
 * One operation at a time per container. A second operation waits briefly for the first to finish,
 * then gets 409 container_busy: operations never interleave on one container's filesystems.
 */
export class ContainerLocks {
  private readonly held = new Map<string, { operation: string; released: Promise<void> }>();

  constructor(private readonly waitMs = 2000) {}

  async run<T>(containerId: string, operation: string, body: () => Promise<T>): Promise<T> {
    const release = await this.acquire(containerId, operation);
    try {
      return await body();
    } finally {
      release();
    }
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

  /** True while an operation holds the container (the reaper skips such snapshots). */
  isBusy(containerId: string): boolean {
    return this.held.has(containerId);
  }

  private async acquire(containerId: string, operation: string): Promise<() => void> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const current = this.held.get(containerId);
      if (current === undefined) break;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new ConflictError(
          'container_busy',
          `Container ${containerId.slice(0, 12)} is busy with another operation (${current.operation}); try again when it has finished.`,
        );
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
    this.held.set(containerId, { operation, released });
    return () => {
      this.held.delete(containerId);
      release();
    };
  }
}
