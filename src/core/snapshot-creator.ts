import type { CreateSnapshotInput } from './api-types.js';
import type { Clock } from './clock.js';
import type { ResolvedContainer } from './container-resolver.js';
import { relative, isAbsolute } from 'node:path';
import { ConflictError } from '../errors/conflict-error.js';
import type { DatasetLocks } from './dataset-locks.js';
import type { CrashCheckpoint } from '../../storage-drivers/common/crash-checkpoint.js';
import { ServiceUnavailableError } from '../errors/service-unavailable-error.js';
import type { CapturedFilesystem, Quiesce, SnapshotOrigin, SnapshotRecord, UncapturedFilesystem } from './model.js';
import type { PoolRegistry } from './pool-registry.js';
import type { CapturePort, LiveContainer, RuntimePort, StorePort } from './ports.js';
import { journalQuiesce, journalThawed } from './quiesce-journal.js';
import { startStoppedContainer, type ContainerRestarter } from './container-restarter.js';
import { daysAfter, expiryFrom } from './day-offsets.js';
import { storageSnapshotName } from './storage-snapshot-name.js';
import { publicMessage } from './public-error.js';
import { mapStorageError } from './storage-error-mapping.js';
import { ContainerNotConfirmed, confirmContainer, notConfirmed } from './container-not-confirmed.js';

export interface SnapshotCreatorDeps {
  readonly store: Pick<StorePort, 'reserveSnapshot' | 'markSnapshotReady' | 'markSnapshotFailed' | 'deleteSnapshotRecord' | 'startOperation' | 'updateOperation' | 'finishOperation'>;
  readonly runtime: Pick<RuntimePort, 'pause' | 'unpause' | 'stop' | 'start' | 'inspect'>;
  readonly capture: CapturePort;
  /** Shared holds on the captured datasets: no restore of a dataset another container mounts swaps it meanwhile. */
  readonly datasetLocks: DatasetLocks;
  readonly pools: PoolRegistry;
  readonly clock: Clock;
  /** How long a snapshot whose creation failed stays listed (as `failed`) before the reaper removes it. */
  readonly failedRetentionDays?: number;
  /**
   * Measures the new snapshot's exclusive size in the background (the create answers with it unknown).
   * Without it the size is measured before the create answers.
   */
  readonly sizes?: { measureSoon(snapshotId: number): void };
  /** Test hook between steps (see crash-checkpoint.ts); none in production. */
  readonly crashCheckpoint?: CrashCheckpoint;
  /**
   * Runs store writes whose commits need no fsync of their own (store/commits-without-fsync.ts): the
   * bookkeeping before the storage exists and after the record is ready. Without it every commit syncs.
   */
  readonly commitsWithoutFsync?: <T>(body: () => T) => T;
  /** Owes the start of a container stopped for a quiesce when Docker went away meanwhile. */
  readonly restarter?: Pick<ContainerRestarter, 'startOrOwe'>;
}

/** Default of `journalRetentionDays`, which also bounds how long failed snapshots stay listed. */
export const DEFAULT_FAILED_RETENTION_DAYS = 30;

/**
 * Takes a snapshot of every captured filesystem of a container. Used by the API, restore's safety
 * snapshot, schedules and copy. The caller holds the container's lock.
 */
export class SnapshotCreator {
  constructor(private readonly deps: SnapshotCreatorDeps) {}

  async create(
    container: ResolvedContainer & { live: LiveContainer },
    input: CreateSnapshotInput & { origin: SnapshotOrigin },
    options: {
      /** The caller (a restore's safety snapshot) already holds the datasets. */
      datasetsLocked?: boolean;
      /**
       * Docker's fresh answer for the container when `container` came from the event-invalidated cache:
       * the capture and the kernel call run while Docker is asked, and the record takes the fresh name and
       * configuration. A container that is gone or replaced meanwhile undoes everything (ContainerNotConfirmed).
       */
      confirm?: Promise<ResolvedContainer & { live: LiveContainer }>;
    } = {},
  ): Promise<SnapshotRecord> {
    const { store, pools, clock } = this.deps;
    const capture = await this.deps.capture.captureSet(container.live);
    const filesystems: CapturedFilesystem[] = capture.flatMap((entry) => (entry.filesystem !== null ? [entry.filesystem] : []));
    const uncaptured: UncapturedFilesystem[] = capture
      .filter((entry) => !entry.captured)
      .map((entry) => ({ role: entry.role, mountPoint: entry.mountPoint, source: entry.source, reason: entry.reason ?? 'not captured' }));
    // A filesystem on a pool that is down would be silently missing from the snapshot: refuse instead.
    for (const entry of uncaptured) {
      const down = entry.source === null ? undefined : pools.unavailable.find((pool) => pool.path !== undefined && isInsidePath(pool.path, entry.source ?? ''));
      if (down !== undefined) {
        throw new ServiceUnavailableError(
          'pool_unavailable',
          `Pool "${down.id}" is unavailable (${down.reason}); container ${container.live.name} keeps ${entry.mountPoint} there, so no snapshot is taken until it is back.`,
        );
      }
    }
    if (filesystems.length === 0) {
      const reasons = uncaptured.map((u) => `${u.mountPoint}: ${u.reason}`).join('; ');
      throw new ConflictError('nothing_to_capture', `Container ${container.live.name} has no filesystem cowsnap can snapshot (${reasons}).`);
    }

    const relaxed = this.deps.commitsWithoutFsync ?? (<T>(body: () => T): T => body());
    const now = clock.now();
    const [record, operation] = relaxed(() => {
      const reserved = store.reserveSnapshot({
        containerId: container.live.id,
        containerName: container.live.name,
        projectId: container.record.projectId,
        alias: input.alias ?? null,
        createdAt: now,
        expiresAt: expiryFrom(now, input.expiryDays),
        tags: input.tags ?? [],
        origin: input.origin,
        config: container.live.config,
        filesystems,
        uncaptured,
      });
      const started = store.startOperation('create', container.live.id, reserved.name, {
        snapshotId: reserved.id,
        storageName: storageSnapshotName(reserved.id, reserved.name),
        filesystems,
      });
      return [reserved, started] as const;
    });
    const storageName = storageSnapshotName(record.id, record.name);
    const made: CapturedFilesystem[] = [];
    try {
      const snapshotAll = (): Promise<void> =>
        this.withQuiesce(container.live, input.quiesce ?? 'none', operation.id, async () => {
          for (const filesystem of filesystems) {
            await pools.driverFor(filesystem).createSnapshot(filesystem.dataset, storageName);
            made.push(filesystem);
          }
        });
      if (options.datasetsLocked === true) await snapshotAll();
      else await this.deps.datasetLocks.runShared(filesystems, `snapshot of ${container.live.name}`, snapshotAll);
      const seen = options.confirm === undefined ? undefined : await changedSince(container.live, options.confirm);
      const sizeBytes = this.deps.sizes === undefined ? ((await this.exclusiveBytes(filesystems, storageName)) ?? null) : null;
      // The one commit that must be on disk before the API answers.
      const ready = store.markSnapshotReady(record.id, { sizeBytes, filesystems, ...(seen === undefined ? {} : { container: seen }) });
      relaxed(() => {
        store.finishOperation(operation.id, 'done');
      });
      this.deps.sizes?.measureSoon(ready.id);
      return ready;
    } catch (error) {
      const unconfirmed = error instanceof ContainerNotConfirmed ? error : await notConfirmed(container.live, options.confirm);
      // Nothing half-done: remove what was made.
      const allRemoved = await this.removeMade(made, storageName);
      if (unconfirmed !== undefined && allRemoved) {
        // Not a failed snapshot of this container but one it should never have had: nothing is kept.
        store.deleteSnapshotRecord(record.id);
        store.finishOperation(operation.id, 'failed', unconfirmed.message);
        throw unconfirmed;
      }
      // The record stays, `failed` with the reason (a sentence and a code; the journal keeps the full
      // error): a delete, or the reaper once it expires, removes it together with any storage the
      // clean-up here could not remove.
      const listedUntil = daysAfter(clock.now(), this.deps.failedRetentionDays ?? DEFAULT_FAILED_RETENTION_DAYS);
      store.markSnapshotFailed(record.id, `creation failed: ${publicMessage(error)}`, listedUntil);
      store.finishOperation(operation.id, 'failed', error instanceof Error ? error.message : String(error));
      throw mapStorageError(error, `Snapshot of ${container.live.name}`);
    }
  }

  /** Destroys the storage snapshots a failed create made, newest first; false when any is left. */
  private async removeMade(made: readonly CapturedFilesystem[], storageName: string): Promise<boolean> {
    let allRemoved = true;
    for (const filesystem of [...made].reverse()) {
      await this.deps.pools
        .driverFor(filesystem)
        .destroySnapshot(filesystem.dataset, storageName)
        .catch(() => {
          allRemoved = false;
        });
    }
    return allRemoved;
  }

  /** Throws 503 pool_unavailable naming the pool when `filesystem`'s pool is down or not configured. */
  assertPoolAvailable(filesystem: Pick<CapturedFilesystem, 'pool'>): void {
    this.deps.pools.driverFor(filesystem);
  }

  /**
   * Sum of the snapshot's exclusive bytes over its filesystems; null when any driver cannot tell;
   * undefined when a pool is unavailable (the recorded size is then the best there is).
   */
  async exclusiveBytes(filesystems: readonly CapturedFilesystem[], storageName: string): Promise<number | null | undefined> {
    if (!filesystems.every((filesystem) => this.deps.pools.isAvailable(filesystem.pool))) return undefined;
    let total = 0;
    for (const filesystem of filesystems) {
      const usage = await this.deps.pools.driverFor(filesystem).snapshotUsage(filesystem.dataset, storageName).catch(() => undefined);
      if (usage?.exclusiveBytes === null || usage === undefined) return null;
      total += usage.exclusiveBytes;
    }
    return total;
  }

  private async withQuiesce(container: LiveContainer, quiesce: Quiesce, operationId: number, body: () => Promise<void>): Promise<void> {
    const { runtime, store } = this.deps;
    if (quiesce === 'none') {
      await body();
      return;
    }
    // Read under the caller's lock: what the caller saw before it may be stale (a restore in flight).
    const { state } = await runtime.inspect(container.id);
    if (!state.running || state.paused) {
      await body();
      return;
    }
    journalQuiesce(store, operationId, quiesce);
    if (quiesce === 'pause') await runtime.pause(container.id);
    else await runtime.stop(container.id);
    this.deps.crashCheckpoint?.('snapshot:quiesced');
    try {
      await body();
    } finally {
      if (quiesce === 'pause') await runtime.unpause(container.id);
      else await startStoppedContainer(runtime, this.deps.restarter, container.id, `the stop quiesce of a snapshot of ${container.name}`);
      journalThawed(store, operationId);
    }
  }
}

/** The name and configuration Docker shows now, when either changed since the cached answer the create used. */
async function changedSince(cached: LiveContainer, confirm: Promise<ResolvedContainer & { live: LiveContainer }>): Promise<{ name: string; config: LiveContainer['config'] } | undefined> {
  const fresh = await confirmContainer(cached, confirm);
  const same = fresh.name === cached.name && JSON.stringify(fresh.config) === JSON.stringify(cached.config);
  return same ? undefined : { name: fresh.name, config: fresh.config };
}

function isInsidePath(parent: string, path: string): boolean {
  const rel = relative(parent, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
