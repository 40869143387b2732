/**
 * The expiry reaper: deletes snapshots whose `expires_at` has passed, with SnapshotDeleter (marked
 * `deleting`, storage removed, then the record), so a run killed half-way is finished by the next one.
 * It steps aside for operations: a container held by a restore or copy is skipped (never waited for),
 * and picked up by a later run. A failing delete does not stop the others; its error stays on the
 * snapshot and it is retried with a growing backoff.
 */
import type { Clock } from './clock.js';
import type { ContainerLocks } from './container-lock.js';
import type { StorePort } from './ports.js';
import type { SnapshotDeleter } from './snapshot-deleter.js';
import { backoffDelay } from './backoff.js';

/** An expired snapshot the store says may be deleted now. */
export interface ReapCandidate {
  readonly id: number;
  readonly containerId: string;
  readonly expiresAt: Date;
  /** Failed deletes so far; the backoff grows with it. */
  readonly reapAttempts: number;
}

/** Where a run is in the (expires_at, id) order, so it sees every row once even when it skips some. */
export interface ReapCursor {
  readonly expiresAt: Date;
  readonly id: number;
}

export interface ReaperStore {
  listReapable(now: Date, limit: number, cursor?: ReapCursor): ReapCandidate[];
  isReapable(id: number, now: Date): boolean;
  recordReapFailure(id: number, retryAt: Date): void;
}

export interface ReaperOptions {
  /**
   * Deletes running at once (storage commands in parallel). Default 1: on a 2-core VM with one disk,
   * bench/reaper.ts showed 4 at once reaping faster but tripling API latency while it ran (each delete's
   * SQLite commits and process spawns run on the event loop); raise it for hosts with more headroom.
   */
  readonly concurrency?: number;
  /** Rows read per query; the container lock is held for one batch at most. */
  readonly batchSize?: number;
  /** First retry delay after a failed delete; doubles per attempt up to `maxBackoffMs`. */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface ReapReport {
  readonly deleted: number;
  readonly failed: { readonly id: number; readonly error: string }[];
  /** Snapshots left for a later run because an operation held their container. */
  readonly skippedBusy: number;
}

export class Reaper {
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private stopping = false;

  constructor(
    private readonly deps: {
      readonly reaperStore: ReaperStore;
      readonly store: Pick<StorePort, 'getSnapshot'>;
      readonly deleter: Pick<SnapshotDeleter, 'delete'>;
      readonly locks: Pick<ContainerLocks, 'tryRun'>;
      readonly clock: Clock;
    },
    options: ReaperOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.batchSize = Math.max(1, options.batchSize ?? 50);
    this.baseBackoffMs = options.baseBackoffMs ?? 60_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 6 * 3_600_000;
  }

  /** Tells a run in progress to finish its batch and return (service shutdown). */
  stop(): void {
    this.stopping = true;
  }

  /** One pass over everything expired as of now. Callers serialize runs (BackgroundJob). */
  async reap(): Promise<ReapReport> {
    const now = this.deps.clock.now();
    const report = { deleted: 0, failed: [] as { id: number; error: string }[], skippedBusy: 0 };
    let cursor: ReapCursor | undefined;
    while (!this.stopping) {
      const batch = this.deps.reaperStore.listReapable(now, this.batchSize, cursor);
      const last = batch.at(-1);
      if (last === undefined) break;
      cursor = { expiresAt: last.expiresAt, id: last.id };
      for (const [containerId, candidates] of groupByContainer(batch)) {
        const outcome = await this.deps.locks.tryRun(containerId, 'expiry', () => this.reapAll(candidates, now, report));
        if (!outcome.ran) report.skippedBusy += candidates.length;
      }
      // Let waiting HTTP requests in between batches: better-sqlite3 calls are synchronous.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return report;
  }

  private async reapAll(candidates: readonly ReapCandidate[], now: Date, report: { deleted: number; failed: { id: number; error: string }[] }): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let candidate = candidates[next++]; candidate !== undefined; candidate = candidates[next++]) {
        if (this.stopping) return;
        // Asked again under the lock: an API delete or update may have changed things since the query.
        const snapshot = this.deps.reaperStore.isReapable(candidate.id, now) ? this.deps.store.getSnapshot(candidate.id) : undefined;
        if (snapshot === undefined) continue;
        try {
          await this.deps.deleter.delete(snapshot);
          report.deleted += 1;
        } catch (error) {
          const backoff = backoffDelay(candidate.reapAttempts, { baseMs: this.baseBackoffMs, maxMs: this.maxBackoffMs });
          this.deps.reaperStore.recordReapFailure(candidate.id, new Date(now.getTime() + backoff));
          report.failed.push({ id: candidate.id, error: error instanceof Error ? error.message : String(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, candidates.length) }, worker));
  }
}

function groupByContainer(batch: readonly ReapCandidate[]): Map<string, ReapCandidate[]> {
  const groups = new Map<string, ReapCandidate[]>();
  for (const candidate of batch) {
    const group = groups.get(candidate.containerId);
    if (group === undefined) groups.set(candidate.containerId, [candidate]);
    else group.push(candidate);
  }
  return groups;
}
