/**
 * Runs at most `limit` jobs at a time; the rest wait in order. Replica uploads go through one, so a burst
 * of pushes neither saturates the uplink nor starts dozens of btrfs/zfs send processes at once.
 */
export class BoundedQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`BoundedQueue limit must be a positive integer, got ${String(limit)}`);
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      // The finishing job hands its slot over directly, so a newcomer cannot slip in between.
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
      });
    } else {
      this.running += 1;
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }
}
