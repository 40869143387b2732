/**
 * Containers cowsnap stopped (a restore, a snapshot's `stop` quiesce) and then could not start again
 * because Docker went away meanwhile (shut down, restarting). Such a container must not stay stopped
 * for ever: the debt is recorded (in the database, so a crash keeps it too), and the container is
 * started once Docker answers again: retried every few seconds while anything is owed, at once when
 * Docker's event stream reconnects, and at start-up.
 */
import { isDockerUnavailableError } from '../runtime/docker-errors.js';
import type { RuntimePort } from './ports.js';
import { startAfterInterruptedStop } from './start-after-interrupted-stop.js';

export interface OwedStart {
  readonly containerId: string;
  /** What had stopped it: "restore of web to snap-…", "snapshot quiesce (stop)". */
  readonly reason: string;
  readonly since: Date;
}

export interface OwedStartsPort {
  owe(containerId: string, reason: string): void;
  settle(containerId: string): void;
  list(): OwedStart[];
}

/**
 * The container lock, never waited for: an owed start steps aside while an operation holds the container
 * (it may have stopped it on purpose, or be the restore that owes the start) and is tried on the next pass.
 */
export type TryLocked = (containerId: string, operation: string, body: () => Promise<void>) => Promise<{ ran: boolean }>;

const DEFAULT_RETRY_MS = 2_000;

/**
 * Starts a container cowsnap stopped: through the restarter when the service has one (it owes the start
 * when Docker is away), else directly.
 */
export function startStoppedContainer(
  runtime: Pick<RuntimePort, 'start'>,
  restarter: Pick<ContainerRestarter, 'startOrOwe'> | undefined,
  containerId: string,
  reason: string,
): Promise<void> {
  return restarter !== undefined ? restarter.startOrOwe(containerId, reason) : runtime.start(containerId);
}

export class ContainerRestarter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<string[]> | undefined;
  private closed = false;

  constructor(
    private readonly deps: {
      owed: OwedStartsPort;
      runtime: Pick<RuntimePort, 'start' | 'stop' | 'inspect'>;
      tryLocked: TryLocked;
      /** Told what each retry did (the service logs it). */
      report?: (lines: string[]) => void;
      retryMs?: number;
    },
  ) {}

  /**
   * Starts a container cowsnap had stopped. When Docker is away the start is owed (and retried later);
   * the failure is thrown either way, for the caller's answer. The caller holds the container's lock.
   */
  async startOrOwe(containerId: string, reason: string): Promise<void> {
    try {
      await this.deps.runtime.start(containerId);
    } catch (error) {
      if (isDockerUnavailableError(error)) this.owe(containerId, reason);
      throw error;
    }
  }

  /** Records that `containerId` must be started again once Docker answers. */
  owe(containerId: string, reason: string): void {
    this.deps.owed.owe(containerId, reason);
    this.retrySoon();
  }

  /**
   * Records the start before stopping a container on purpose, so a crash between the stop and the start
   * leaves the debt behind (the next start-up pays it). No retry is scheduled: the caller starts the
   * container itself and then settles; a start that fails stays owed for the next pass.
   */
  oweBeforeStopping(containerId: string, reason: string): void {
    this.deps.owed.owe(containerId, reason);
  }

  /** The caller started the container it owed itself. */
  settle(containerId: string): void {
    this.deps.owed.settle(containerId);
  }

  /** Tries every owed start now (one pass at a time); returns what it did. */
  retry(): Promise<string[]> {
    // Never rejects: it runs from timers and event handlers; a failure (the store closed) is a report line.
    this.running ??= this.pass()
      .catch((error: unknown) => [`could not go through the owed container starts: ${error instanceof Error ? error.message : String(error)}`])
      .finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the timer (service shutdown); the debts stay recorded for the next start. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private retrySoon(): void {
    if (this.closed || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.retry().then(
        (lines) => {
          if (lines.length > 0) this.deps.report?.(lines);
        },
        () => {
          this.retrySoon();
        },
      );
    }, this.deps.retryMs ?? DEFAULT_RETRY_MS);
    this.timer.unref();
  }

  private async pass(): Promise<string[]> {
    const lines: string[] = [];
    for (const debt of this.deps.owed.list()) {
      const who = debt.containerId.slice(0, 12);
      try {
        const { ran } = await this.deps.tryLocked(debt.containerId, 'start a container Docker could not start earlier', () => this.pay(debt));
        if (!ran) continue;
        this.deps.owed.settle(debt.containerId);
        lines.push(`started ${who} again: ${debt.reason} had stopped it and Docker was away when it tried to start it`);
      } catch (error) {
        // Docker still away: the others would fail the same way; the next pass tries again.
        if (isDockerUnavailableError(error)) break;
        // Removed meanwhile, or a start Docker refuses for its own reasons: nothing more cowsnap can do.
        this.deps.owed.settle(debt.containerId);
        lines.push(`gave up starting ${who} (stopped by ${debt.reason}): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (this.deps.owed.list().length > 0) this.retrySoon();
    return lines;
  }

  private async pay(debt: OwedStart): Promise<void> {
    // The debt is recorded before the stop (oweBeforeStopping), so its time is no later than the stop's.
    await startAfterInterruptedStop(this.deps.runtime, debt.containerId, debt.since);
  }
}
