/**
 * Scheduled replication (issue 12): after each scheduler tick, every schedule with `replicate` pushes its
 * oldest snapshot that has no replica in the remote yet, as an ordinary push (an operation, pinned,
 * resumed after a restart). So the snapshot a run just took is pushed at once, and one missed while the
 * remote was down is pushed later, oldest first, one upload per schedule at a time so each incremental's
 * parent is the previous replica. The incremental parent is the newest older replica whose snapshot is
 * still on the pool; with none left (expired locally), the push goes full. A snapshot older than the
 * newest one pushed is never pushed again, so a replica the remote reaper deleted stays deleted; a
 * failed upload of the newest one is retried after REPLICATION_RETRY_MS.
 *
 * `full_every` N: a chain (a full replica and the incrementals on it) never grows past N replicas; the
 * next push is then full, so the older chain can expire in the remote as a whole.
 */
import type { Logger } from 'pino';
import { AppError } from '../errors/app-error.js';
import type { Clock } from './clock.js';
import { publicMessage } from './public-error.js';
import type { ReplicaIntent } from './replica.js';
import type { PushResult } from './replica-service.js';
import { expiryFrom } from './day-offsets.js';

/** A snapshot to push now, with its schedule's replicate setting. */
export interface ReplicationTarget {
  readonly scheduleId: number;
  readonly remoteId: string;
  readonly expiryDays: number | null;
  readonly fullEvery: number | null;
  readonly containerId: string;
  readonly snapshotName: string;
  readonly snapshotCreatedAt: Date;
}

/** One replica of the schedule's chain, newest first. */
export interface ChainLink {
  readonly fullRequested: boolean;
  readonly parentSnapshot: string | null;
  readonly state: 'ready' | 'uploading';
}

export interface ScheduleLag {
  readonly scheduleId: number;
  readonly containerId: string;
  readonly remoteId: string;
  /** Creation time of the newest snapshot of the schedule not replicated yet; null when all are. */
  readonly unreplicatedSince: Date | null;
}

export interface ReplicationQueriesPort {
  nextToReplicate(now: Date, retryAfterMs: number): ReplicationTarget[];
  /** The newest snapshot of the schedule a push was started for (catch-up looks only past it). */
  raiseWatermark(scheduleId: number, snapshotCreatedAt: Date): void;
  /** The schedule's newest replicas in the remote (ready or uploading), newest first. */
  chainTail(scheduleId: number, remoteId: string, limit: number): ChainLink[];
  replicaLag(): ScheduleLag[];
}

export interface ReplicationRun {
  readonly scheduleId: number;
  readonly snapshot: string;
  readonly remote: string;
  readonly operationId: number | null;
  readonly full: boolean;
  readonly error: string | null;
}

/** A failed upload of a scheduled snapshot is tried again after this long (not every minute). */
export const REPLICATION_RETRY_MS = 15 * 60_000;

export class ScheduleReplication {
  constructor(
    private readonly deps: {
      readonly queries: ReplicationQueriesPort;
      readonly replicas: { push(containerRef: string, snapshotRef: string, remoteId: string, intent: ReplicaIntent): Promise<PushResult> };
      readonly clock: Clock;
      readonly logger: Logger;
    },
  ) {}

  /** Starts the pushes that are due; returns at once with what it started (uploads run in the background). */
  async replicateDue(): Promise<ReplicationRun[]> {
    const runs: ReplicationRun[] = [];
    for (const target of this.deps.queries.nextToReplicate(this.deps.clock.now(), REPLICATION_RETRY_MS)) {
      const full = this.startsNewChain(target);
      // The remote expiry counts from when the snapshot was taken, as local expiry does.
      const intent: ReplicaIntent = { expiresAt: expiryFrom(target.snapshotCreatedAt, target.expiryDays), scheduleId: target.scheduleId, full };
      const log = { schedule: target.scheduleId, container: target.containerId, snapshot: target.snapshotName, remote: target.remoteId, full };
      try {
        const pushed = await this.deps.replicas.push(target.containerId, target.snapshotName, target.remoteId, intent);
        this.deps.queries.raiseWatermark(target.scheduleId, target.snapshotCreatedAt);
        this.deps.logger.info({ ...log, operation: pushed.operation.id, expiresAt: intent.expiresAt }, 'scheduled replica upload started');
        runs.push({ scheduleId: target.scheduleId, snapshot: target.snapshotName, remote: target.remoteId, operationId: pushed.operation.id, full, error: null });
      } catch (error) {
        // An unreachable remote (503): the next tick tries again, and the lag metric shows it. Anything
        // else (the pool cannot send, the snapshot was pushed by hand meanwhile) would fail every tick: skip it.
        const retry = !(error instanceof AppError) || error.statusCode >= 500;
        if (!retry) this.deps.queries.raiseWatermark(target.scheduleId, target.snapshotCreatedAt);
        this.deps.logger.warn({ ...log, err: error, retry }, 'scheduled replica upload could not start');
        runs.push({ scheduleId: target.scheduleId, snapshot: target.snapshotName, remote: target.remoteId, operationId: null, full, error: publicMessage(error) });
      }
    }
    return runs;
  }

  /** Seconds since the newest unreplicated snapshot of each replicating schedule was taken (0: none). */
  lag(): { scheduleId: number; containerId: string; remoteId: string; seconds: number }[] {
    const now = this.deps.clock.now().getTime();
    return this.deps.queries.replicaLag().map((lag) => ({
      scheduleId: lag.scheduleId,
      containerId: lag.containerId,
      remoteId: lag.remoteId,
      seconds: lag.unreplicatedSince === null ? 0 : Math.max(0, (now - lag.unreplicatedSince.getTime()) / 1000),
    }));
  }

  /** True when the current chain already holds `fullEvery` replicas (a full one and its incrementals). */
  private startsNewChain(target: ReplicationTarget): boolean {
    if (target.fullEvery === null) return false;
    const tail = this.deps.queries.chainTail(target.scheduleId, target.remoteId, target.fullEvery);
    const start = tail.findIndex((link) => link.fullRequested || (link.state === 'ready' && link.parentSnapshot === null));
    // No replica yet: the first push is full anyway, and asking for it makes that explicit.
    return start === -1 || start + 1 >= target.fullEvery;
  }
}
