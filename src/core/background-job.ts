/**
 * A job that must never overlap itself (the reaper, the scheduler). A timer tick is dropped while a run
 * is in progress; an explicit `run()` (start-up, tests driving a manual clock) waits for the current run
 * and then runs again, so it always sees the state as of its own call.
 */
import { schedule } from 'node-cron';
import { startMinuteTimer } from './minute-timer.js';

/** Cron's "every minute": ticked by a plain minute timer, without node-cron's calendar (see minute-timer.ts). */
function isEveryMinute(cronExpression: string): boolean {
  return cronExpression.trim().split(/\s+/).join(' ') === '* * * * *';
}

interface Ticker {
  stop(): void | Promise<void>;
}

export class BackgroundJob<T> {
  /** Runs queued or in progress. */
  private inFlight = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private ticker: Ticker | null = null;

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

  /** Ticks on a cron expression (in UTC): node-cron's timer, or the minute timer for every minute. */
  start(cronExpression: string): void {
    if (this.ticker !== null) return;
    const onTick = (): void => {
      this.tick();
    };
    if (isEveryMinute(cronExpression)) {
      this.ticker = startMinuteTimer(onTick);
      return;
    }
    const task = schedule(cronExpression, onTick, { timezone: 'UTC' });
    // A tick missed under load needs no warning on stdout: the next run catches up on all that is due.
    task.on('execution:missed', () => undefined);
    this.ticker = { stop: () => task.destroy() };
  }

  /** No more ticks; waits for a run in progress to end. */
  async stop(): Promise<void> {
    const ticker = this.ticker;
    this.ticker = null;
    if (ticker !== null) await ticker.stop();
    await this.queue;
  }
}
