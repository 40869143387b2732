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
  /**
   * Each filesystem's datasetIdentity() before the swap, in `filesystems` order. After a crash, a
   * filesystem whose identity changed was swapped already and is left alone. Absent in rows written by
   * cowsnap before 2026-11 (the step then tells, less precisely).
   */
  readonly identities?: string[];
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
      identities: await this.identities(snapshot.filesystems),
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
      await this.swapAll(operation.id, payload, payload.filesystems);
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

  /**
   * Start-up: finishes a restore a crash interrupted (the drivers' recover() has made each filesystem
   * whole). Only the filesystems whose swap did not complete are swapped, and only once the container
   * is stopped: Docker may have started it at boot (restart policy) before cowsnap came up, and what it
   * wrote since then lives on a filesystem that is either already restored (kept) or about to be.
   */
  async resume(entry: JournalEntry): Promise<string> {
    const { runtime, store } = this.deps;
    const payload = entry.payload as unknown as RestorePayload;
    const who = `restore of ${entry.containerId.slice(0, 12)} to ${String(entry.snapshotName)}`;
    try {
      const pending = await this.unswapped(entry.step, payload);
      const swapped = payload.filesystems.filter((filesystem) => !pending.includes(filesystem));
      const live = await runtime.inspect(entry.containerId).catch(() => undefined);
      let restart = payload.wasRunning;
      if (pending.length > 0) {
        if (live?.state.running === true) {
          await runtime.stop(entry.containerId);
          restart = true;
        }
        store.updateOperation(entry.id, 'stopped');
        await this.swapAll(entry.id, payload, pending, swapped);
      } else {
        // Every swap completed before the crash: the rollback snapshots are all that is left to tidy.
        await this.dropRollbacks(payload.filesystems, payload.rollbackName);
      }
      if (restart && live !== undefined && !(await runtime.inspect(entry.containerId)).state.running) {
        await runtime.start(entry.containerId);
      }
      store.touchLastUsed(payload.snapshotId, this.deps.clock.now());
      store.finishOperation(entry.id, 'done');
      if (pending.length === 0) return `finished ${who}: every filesystem was swapped before the crash and was left as it is`;
      const stopped = live?.state.running === true ? ' after stopping the container' : '';
      return `finished ${who}: swapped ${pending.length} of ${payload.filesystems.length} filesystem(s)${stopped}`;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      store.finishOperation(entry.id, 'failed', `could not finish after restart: ${message}`);
      return `${who} could not be finished: ${message}`;
    }
  }

  /** The filesystems whose swap has not completed: their identity is still the one journaled before. */
  private async unswapped(step: string, payload: RestorePayload): Promise<CapturedFilesystem[]> {
    const { identities, filesystems } = payload;
    if (identities === undefined) {
      // An older journal row: only the steps recorded after each swap tell.
      if (step === 'swapped') return [];
      const done = /^swapped:(\d+)\//.exec(step)?.[1];
      return filesystems.slice(done === undefined ? 0 : Number(done));
    }
    const pending: CapturedFilesystem[] = [];
    for (const [index, filesystem] of filesystems.entries()) {
      const now = await this.deps.pools.driverFor(filesystem).datasetIdentity(filesystem.dataset);
      if (now === identities[index]) pending.push(filesystem);
    }
    return pending;
  }

  private async identities(filesystems: readonly CapturedFilesystem[]): Promise<string[]> {
    const identities: string[] = [];
    for (const filesystem of filesystems) identities.push(await this.deps.pools.driverFor(filesystem).datasetIdentity(filesystem.dataset));
    return identities;
  }

  /**
   * Swaps `filesystems`. First an O(1) internal snapshot of each current state, so that a failure on
   * the second filesystem can put the first one back: a restore is all or nothing. `alreadySwapped`
   * (a resumed restore) are put back too on failure, from the rollback snapshots made before the crash.
   */
  private async swapAll(
    operationId: number,
    payload: RestorePayload,
    filesystems: readonly CapturedFilesystem[],
    alreadySwapped: readonly CapturedFilesystem[] = [],
  ): Promise<void> {
    const { pools, store } = this.deps;
    const rollbacks: CapturedFilesystem[] = [...alreadySwapped];
    for (const filesystem of filesystems) {
      const driver = pools.driverFor(filesystem);
      if (!(await driver.snapshotExists(filesystem.dataset, payload.rollbackName))) {
        await driver.createSnapshot(filesystem.dataset, payload.rollbackName);
      }
      rollbacks.push(filesystem);
    }
    const swapped: CapturedFilesystem[] = [...alreadySwapped];
    try {
      for (const filesystem of filesystems) {
        await pools.driverFor(filesystem).restoreSnapshot(filesystem.dataset, payload.storageName);
        swapped.push(filesystem);
        store.updateOperation(operationId, `swapped:${swapped.length}/${payload.filesystems.length}`);
        crashCheckpoint(`restore:swapped:${swapped.length}`);
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
