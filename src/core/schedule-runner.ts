/**
 * Runs schedules. A timer only calls `runDue()`; it asks the clock for now, finds each schedule's latest
 * cron slot at or before now, and runs it once if it is newer than the last claimed slot. So a run
 * missed while cowsnap was down is made once at start-up (not once per missed tick), a slot never runs
 * twice (the claim is one conditional UPDATE), and tests move a ManualClock instead of waiting.
 */
import { renderAliasTemplate, withSuffix } from './alias-template.js';
import type { Clock } from './clock.js';
import type { ContainerLocks } from './container-lock.js';
import type { ContainerResolver } from './container-resolver.js';
import { latestSlot } from './cron-expression.js';
import { publicMessage } from './public-error.js';
import type { StorePort } from './ports.js';
import type { ScheduleRecord, ScheduleStorePort } from './schedule-model.js';
import type { SnapshotCreator } from './snapshot-creator.js';

export interface ScheduleRunReport {
  readonly scheduleId: number;
  readonly slot: Date;
  readonly outcome: 'created' | 'failed' | 'paused';
  readonly snapshot: string | null;
  /** What clients read as the schedule's `last_error`: a sentence and a code. */
  readonly error: string | null;
  /** The full failure (may hold paths, argv, stderr): for the server log only. */
  readonly detail?: string;
}

export interface SchedulerDeps {
  readonly schedules: Pick<ScheduleStorePort, 'listActiveSchedules' | 'claimSlot' | 'recordRun' | 'updateSchedule'>;
  readonly store: Pick<StorePort, 'resolveSnapshot'>;
  readonly resolver: Pick<ContainerResolver, 'resolve'>;
  readonly locks: Pick<ContainerLocks, 'run'>;
  readonly creator: Pick<SnapshotCreator, 'create'>;
  readonly clock: Clock;
}

export class Scheduler {
  constructor(private readonly deps: SchedulerDeps) {}

  /** Runs every schedule whose latest slot has not run yet. Callers serialize calls (BackgroundJob). */
  async runDue(): Promise<ScheduleRunReport[]> {
    const { schedules, clock } = this.deps;
    const now = clock.now();
    const reports: ScheduleRunReport[] = [];
    for (const schedule of schedules.listActiveSchedules()) {
      let slot: Date | null;
      try {
        slot = latestSlot(schedule.cron, schedule.timezone, now);
      } catch (error) {
        // Validated when stored; a runtime without that time zone any more must not stop the others.
        schedules.recordRun(schedule.id, { at: now, snapshot: null, error: `cannot evaluate the schedule: ${messageOf(error)}` });
        continue;
      }
      if (slot === null || (schedule.lastSlot !== null && slot <= schedule.lastSlot)) continue;
      const report = await this.runSlot(schedule, slot, now);
      if (report !== null) reports.push(report);
    }
    return reports;
  }

  /**
   * The slot is claimed only once the container is found and held: a Docker outage or a restore running
   * at that minute leaves it unclaimed, so the next tick tries the same slot again instead of losing it.
   * Once claimed, a failed snapshot is recorded and not retried (it would fail every minute).
   */
  private async runSlot(schedule: ScheduleRecord, slot: Date, now: Date): Promise<ScheduleRunReport | null> {
    const { schedules, resolver, locks, creator, store } = this.deps;
    const report = (outcome: ScheduleRunReport['outcome'], snapshot: string | null, error: string | null, detail?: string): ScheduleRunReport => {
      schedules.recordRun(schedule.id, { at: now, snapshot, error });
      return { scheduleId: schedule.id, slot, outcome, snapshot, error, ...(detail !== undefined && { detail }) };
    };
    const progress = { claimed: false };
    try {
      const container = await resolver.resolve(schedule.containerId);
      const live = container.live;
      if (live === undefined) {
        // Paused rather than failing every tick; resuming it (PUT paused: false) tries again.
        const reason = `container ${container.record.name} (${schedule.containerId.slice(0, 12)}) was removed from Docker; schedule paused, its snapshots stay`;
        schedules.updateSchedule(schedule.id, { paused: true, pausedReason: reason }, now);
        return report('paused', null, reason);
      }
      const snapshot = await locks.run(live.id, 'scheduled snapshot', () => {
        const run = schedules.claimSlot(schedule.id, slot, now);
        if (run === undefined) return Promise.resolve(null); // claimed by another run meanwhile
        progress.claimed = true;
        const template = schedule.aliasTemplate;
        const alias =
          template === null
            ? null
            : withSuffix(renderAliasTemplate(template, { at: slot, timezone: schedule.timezone, run }), (candidate) => store.resolveSnapshot(live.id, candidate) !== undefined);
        return creator.create(
          { record: container.record, live },
          {
            origin: `schedule:${schedule.id}`,
            quiesce: schedule.quiesce,
            ...(alias !== null && { alias }),
            ...(schedule.expiryDays !== null && { expiryDays: schedule.expiryDays }),
          },
        );
      });
      return snapshot === null ? null : report('created', snapshot.name, null);
    } catch (error) {
      const message = publicMessage(error);
      return report('failed', null, progress.claimed ? message : `${message} (will try again on the next tick)`, messageOf(error));
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
