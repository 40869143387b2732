import type { RestoreInput, RestoreResult } from './api-types.js';
import type { Clock } from './clock.js';
import type { ResolvedContainer } from './container-resolver.js';
import { ConflictError } from '../errors/conflict-error.js';
import { InternalError } from '../errors/internal-error.js';
import type { CapturedFilesystem, JournalEntry, SnapshotRecord } from './model.js';
import type { PoolRegistry } from './pool-registry.js';
import type { LiveContainer, RuntimePort, StorePort } from './ports.js';
import type { SnapshotCreator } from './snapshot-creator.js';
import { crashCheckpoint } from '../../storage-drivers/common/crash-checkpoint.js';
import { storageSnapshotName } from './snapshot-naming.js';
import { mapStorageError } from './storage-error-mapping.js';

export interface RestoreServiceDeps {
  readonly store: Pick<
    StorePort,
    'touchLastUsed' | 'getSnapshot' | 'resolveSnapshot' | 'startOperation' | 'updateOperation' | 'finishOperation'
  >;
  readonly runtime: Pick<RuntimePort, 'stop' | 'start' | 'inspect'>;
  readonly creator: SnapshotCreator;
  readonly pools: PoolRegistry;
  readonly clock: Clock;
}

/** What a restore journal row carries, so start-up can finish it after a crash. */
interface RestorePayload {
  readonly snapshotId: number;
  readonly storageName: string;
  /** Internal snapshots of the state before the swap, to undo a restore that failed halfway. */
  readonly rollbackName: string;
  readonly wasRunning: boolean;
  readonly filesystems: CapturedFilesystem[];
}

const SAFETY_EXPIRY_DAYS = 7;

/**
 * Restore: stop the container if it runs, swap every captured filesystem for the snapshot's content
 * (the drivers swap by rename, so each filesystem is always whole), start it again. Newer snapshots
 * are kept. A restore that fails halfway puts the already swapped filesystems back.
 */
export class RestoreService {
  constructor(private readonly deps: RestoreServiceDeps) {}

  async restore(container: ResolvedContainer & { live: LiveContainer }, snapshot: SnapshotRecord, input: RestoreInput): Promise<RestoreResult> {
    const { store, runtime, clock } = this.deps;
    if (snapshot.state !== 'ready') {
      throw new ConflictError('snapshot_not_ready', `Snapshot ${snapshot.name} is ${snapshot.state}; only a ready snapshot can be restored.`);
    }
    const started = performance.now();
    const safetySnapshot =
      input.safetySnapshot === true
        ? await this.deps.creator.create(container, {
            alias: this.safetyAlias(container.live.id, snapshot.name),
            expiryDays: SAFETY_EXPIRY_DAYS,
            origin: 'safety',
          })
        : null;

    // Under the lock, fresh: the state seen before the lock was taken may be stale (a snapshot that
    // stopped the container for its quiesce has started it again meanwhile).
    const wasRunning = (await runtime.inspect(container.live.id)).state.running;
    const payload: RestorePayload = {
      snapshotId: snapshot.id,
      storageName: storageSnapshotName(snapshot.id, snapshot.name),
      rollbackName: `pre-restore.op${Date.now().toString(36)}`,
      wasRunning,
      filesystems: snapshot.filesystems,
    };
    const operation = store.startOperation('restore', container.live.id, snapshot.name, { ...payload });

    let stopMs = 0;
    let swapMs = 0;
    let startMs = 0;
    try {
      const stopStart = performance.now();
      if (wasRunning) await runtime.stop(container.live.id);
      stopMs = performance.now() - stopStart;
      store.updateOperation(operation.id, 'stopped');
      crashCheckpoint('restore:stopped');

      const swapStart = performance.now();
      await this.swapAll(operation.id, payload);
      swapMs = performance.now() - swapStart;
      store.updateOperation(operation.id, 'swapped');

      const startStart = performance.now();
      if (wasRunning) await runtime.start(container.live.id);
      startMs = performance.now() - startStart;
    } catch (error) {
      if (wasRunning) await runtime.start(container.live.id).catch(() => undefined);
      store.finishOperation(operation.id, 'failed', error instanceof Error ? error.message : String(error));
      throw mapStorageError(error, `Restore of ${container.live.name} to ${snapshot.name}`);
    }
    store.touchLastUsed(snapshot.id, clock.now());
    store.finishOperation(operation.id, 'done');
    const restored = store.getSnapshot(snapshot.id) ?? snapshot;
    return {
      container: container.record,
      snapshot: restored,
      safetySnapshot,
      wasRunning,
      durations: { totalMs: performance.now() - started, stopMs, swapMs, startMs },
    };
  }

  /** Start-up: finish a restore a crash interrupted (the drivers' recover() has made each filesystem whole). */
  async resume(entry: JournalEntry): Promise<string> {
    const payload = entry.payload as unknown as RestorePayload;
    try {
      await this.swapAll(entry.id, payload);
      if (payload.wasRunning) {
        const state = await this.deps.runtime.inspect(entry.containerId).catch(() => undefined);
        if (state !== undefined && !state.state.running) await this.deps.runtime.start(entry.containerId);
      }
      this.deps.store.touchLastUsed(payload.snapshotId, this.deps.clock.now());
      this.deps.store.finishOperation(entry.id, 'done');
      return `finished restore of ${entry.containerId.slice(0, 12)} to ${String(entry.snapshotName)}`;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.deps.store.finishOperation(entry.id, 'failed', `could not finish after restart: ${message}`);
      return `restore of ${entry.containerId.slice(0, 12)} could not be finished: ${message}`;
    }
  }

  /**
   * Swaps every filesystem. First an O(1) internal snapshot of each current state, so that a failure on
   * the second filesystem can put the first one back: a restore is all or nothing.
   */
  private async swapAll(operationId: number, payload: RestorePayload): Promise<void> {
    const { pools, store } = this.deps;
    const rollbacks: CapturedFilesystem[] = [];
    for (const filesystem of payload.filesystems) {
      const driver = pools.driverFor(filesystem);
      if (!(await driver.snapshotExists(filesystem.dataset, payload.rollbackName))) {
        await driver.createSnapshot(filesystem.dataset, payload.rollbackName);
      }
      rollbacks.push(filesystem);
    }
    const swapped: CapturedFilesystem[] = [];
    try {
      for (const [index, filesystem] of payload.filesystems.entries()) {
        await pools.driverFor(filesystem).restoreSnapshot(filesystem.dataset, payload.storageName);
        swapped.push(filesystem);
        store.updateOperation(operationId, `swapped:${index + 1}/${payload.filesystems.length}`);
        crashCheckpoint(`restore:swapped:${index + 1}`);
      }
    } catch (error) {
      const undoFailures: string[] = [];
      for (const filesystem of swapped.reverse()) {
        await pools
          .driverFor(filesystem)
          .restoreSnapshot(filesystem.dataset, payload.rollbackName)
          .catch((undoError: unknown) => undoFailures.push(`${filesystem.dataset}: ${String(undoError)}`));
      }
      if (undoFailures.length > 0) {
        // The pre-restore snapshots are kept so an operator can put the state back by hand.
        throw new InternalError(
          'restore_undo_failed',
          `Restore failed (${String(error)}) and undoing it failed too; pre-restore snapshots "${payload.rollbackName}" are kept: ${undoFailures.join('; ')}`,
          { cause: error },
        );
      }
      await this.dropRollbacks(rollbacks, payload.rollbackName);
      throw error;
    }
    await this.dropRollbacks(rollbacks, payload.rollbackName);
  }

  private async dropRollbacks(filesystems: readonly CapturedFilesystem[], name: string): Promise<void> {
    for (const filesystem of filesystems) {
      await this.deps.pools.driverFor(filesystem).destroySnapshot(filesystem.dataset, name).catch(() => undefined);
    }
  }

  /** `before-restore-<name>`, with -2, -3 ... when an earlier restore to the same snapshot took it. */
  private safetyAlias(containerId: string, snapshotName: string): string {
    const base = `before-restore-${snapshotName}`;
    for (let n = 1; ; n += 1) {
      const alias = n === 1 ? base : `${base}-${n}`;
      if (this.deps.store.resolveSnapshot(containerId, alias) === undefined) return alias;
    }
  }
}
