import type { CrashCheckpoint } from '../../storage-drivers/common/crash-checkpoint.js';
import { InternalError } from '../errors/internal-error.js';
import type { CapturedFilesystem } from './model.js';
import type { PoolRegistry } from './pool-registry.js';
import type { StorePort } from './ports.js';
import { SEE_THE_LOG } from './storage-error-mapping.js';

/** What a restore journal row carries, so start-up can finish it after a crash. */
export interface RestorePayload {
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
  /** Other containers mounting a swapped dataset, stopped for the restore (stop_sharing_containers). */
  readonly sharingStopped?: string[];
}

/**
 * The filesystem side of a restore: swapping each captured filesystem for the snapshot's content, all
 * or nothing, and telling after a crash which swaps completed.
 */
export class RestoreSwap {
  constructor(
    private readonly deps: {
      pools: PoolRegistry;
      store: Pick<StorePort, 'updateOperation'>;
      /** Test hook between steps (see crash-checkpoint.ts); none in production. */
      crashCheckpoint?: CrashCheckpoint | undefined;
    },
  ) {}

  async identities(filesystems: readonly CapturedFilesystem[]): Promise<string[]> {
    const identities: string[] = [];
    for (const filesystem of filesystems) identities.push(await this.deps.pools.driverFor(filesystem).datasetIdentity(filesystem.dataset));
    return identities;
  }

  /** The filesystems whose swap has not completed: their identity is still the one journaled before. */
  async unswapped(step: string, payload: RestorePayload): Promise<CapturedFilesystem[]> {
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

  /**
   * Swaps `filesystems`. First an O(1) internal snapshot of each current state, so that a failure on
   * the second filesystem can put the first one back: a restore is all or nothing. `alreadySwapped`
   * (a resumed restore) are put back too on failure, from the rollback snapshots made before the crash.
   */
  async swapAll(
    operationId: number,
    payload: RestorePayload,
    filesystems: readonly CapturedFilesystem[],
    alreadySwapped: readonly CapturedFilesystem[] = [],
    options: { keepRollbacks?: boolean } = {},
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
        this.deps.crashCheckpoint?.(`restore:swapped:${swapped.length}`);
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
          `Restore failed and undoing it failed too on ${undoFailures.length} filesystem(s); the pre-restore snapshots "${payload.rollbackName}" are kept to put the state back by hand. ${SEE_THE_LOG}`,
          { cause: Object.assign(new Error(`restore failed: ${String(error)}`, { cause: error }), { undoFailures }) },
        );
      }
      await this.dropRollbacks(rollbacks, payload.rollbackName);
      throw error;
    }
    // Kept when the caller may still have to undo the whole swap (see undo()); it drops them after.
    if (options.keepRollbacks !== true) await this.dropRollbacks(rollbacks, payload.rollbackName);
  }

  /**
   * Puts every filesystem of a completed swap back to its pre-restore snapshot (kept by swapAll's
   * keepRollbacks), then drops those: the restore ends as if it had not run.
   */
  async undo(payload: RestorePayload): Promise<void> {
    for (const filesystem of [...payload.filesystems].reverse()) {
      await this.deps.pools.driverFor(filesystem).restoreSnapshot(filesystem.dataset, payload.rollbackName);
    }
    await this.dropRollbacks(payload.filesystems, payload.rollbackName);
  }

  async dropRollbacks(filesystems: readonly CapturedFilesystem[], name: string): Promise<void> {
    for (const filesystem of filesystems) {
      await this.deps.pools.driverFor(filesystem).destroySnapshot(filesystem.dataset, name).catch(() => undefined);
    }
  }
}
