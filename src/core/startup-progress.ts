/**
 * Start-up recovery's progress in the log: one line per finished item (a pool's storage recovery, one
 * journal entry, the reconciliation...) with its duration, and one warning once the whole has taken longer
 * than a budget. A recovery that takes minutes (zfs-fuse answering "busy" for seconds per attempt: chaos
 * seed 31 took 140 s) otherwise shows nothing until "start-up recovery done", and an operator or systemd
 * watching a silent process cannot tell slow from stuck.
 */
export type RecoveryLog = (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;

/** Past this much, recovery warns once (the service still finishes it: stopping halfway helps nobody). */
export const RECOVERY_BUDGET_MS = 60_000;

export class RecoveryProgress {
  private readonly started: number;
  private warned = false;

  constructor(
    private readonly log: RecoveryLog | undefined,
    private readonly now: () => number = Date.now,
    private readonly budgetMs = RECOVERY_BUDGET_MS,
  ) {
    this.started = now();
  }

  /** Runs one item and logs it as done (or failed: the error goes on to the caller) with its duration. */
  async step<T>(item: string, fields: Record<string, unknown>, body: () => Promise<T>): Promise<T> {
    const begun = this.now();
    let failed = true;
    try {
      const result = await body();
      failed = false;
      return result;
    } finally {
      const end = this.now();
      const elapsedMs = end - this.started;
      this.log?.('info', { item, ...fields, durationMs: end - begun, elapsedMs, ...(failed && { failed: true }) }, 'start-up recovery: item done');
      if (!this.warned && elapsedMs > this.budgetMs) {
        this.warned = true;
        this.log?.(
          'warn',
          { item, elapsedMs, budgetMs: this.budgetMs },
          'start-up recovery is taking longer than expected; the API opens when it is done (each finished item is logged)',
        );
      }
    }
  }
}
