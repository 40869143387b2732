/**
 * A job that must never overlap itself (the reaper, the scheduler). A timer tick is dropped while a run
 * is in progress; an explicit `run()` (start-up, tests driving a manual clock) waits for the current run
 * and then runs again, so it always sees the state as of its own call.
 */
import { schedule, type ScheduledTask } from 'node-cron';

export class BackgroundJob<T> {
  /** Runs queued or in progress. */
  private inFlight = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private task: ScheduledTask | null = null;

  constructor(
    private readonly body: () => Promise<T>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Runs now, after any run in progress. */
  run(): Promise<T> {
    this.inFlight += 1;
    const next = this.queue.then(async () => {
      try {
        return await this.body();
      } finally {
        this.inFlight -= 1;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** A timer tick: skipped when a run is in progress. */
  tick(): void {
    if (this.inFlight > 0) return;
    this.run().catch(this.onError);
  }

  get running(): boolean {
    return this.inFlight > 0;
  }

  /** Ticks on a node-cron expression (in UTC). */
  start(cronExpression: string): void {
    if (this.task !== null) return;
    const task = schedule(
      cronExpression,
      () => {
        this.tick();
      },
      { timezone: 'UTC' },
    );
    // A tick missed under load needs no warning on stdout: the next run catches up on all that is due.
    task.on('execution:missed', () => undefined);
    this.task = task;
  }

  /** No more ticks; waits for a run in progress to end. */
  async stop(): Promise<void> {
    const task = this.task;
    this.task = null;
    if (task !== null) await task.destroy();
    await this.queue;
  }
}
