import type { RestoreInput, RestoreResult } from './api-types.js';
import type { Clock } from './clock.js';
import type { ResolvedContainer } from './container-resolver.js';
import type { DatasetLocks } from './dataset-locks.js';
import { ConflictError } from '../errors/conflict-error.js';
import type { JournalEntry, SnapshotRecord } from './model.js';
import type { PoolRegistry } from './pool-registry.js';
import type { CapturePort, LiveContainer, RuntimePort, StorePort } from './ports.js';
import { resumeRestore } from './restore-resume.js';
import { RestoreSwap, type RestorePayload } from './restore-swap.js';
import { findSharingContainers, type SharingContainer } from './sharing-containers.js';
import type { SnapshotCreator } from './snapshot-creator.js';
import type { CrashCheckpoint } from '../../storage-drivers/common/crash-checkpoint.js';
import { storageSnapshotName } from './storage-snapshot-name.js';
import { mapStorageError } from './storage-error-mapping.js';
import { assertFilesystemsInPlace } from './restore-precheck.js';
import { startStoppedContainer, type ContainerRestarter } from './container-restarter.js';
import { isDockerUnavailableError } from '../runtime/docker-errors.js';
import { InternalError } from '../errors/internal-error.js';

export interface RestoreServiceDeps {
  readonly store: Pick<
    StorePort,
    'touchLastUsed' | 'getSnapshot' | 'resolveSnapshot' | 'startOperation' | 'updateOperation' | 'finishOperation'
  >;
  readonly runtime: Pick<RuntimePort, 'stop' | 'start' | 'inspect' | 'listContainers'>;
  /** Finds other running containers that mount a dataset the restore swaps. */
  readonly capture: CapturePort;
  readonly datasetLocks: DatasetLocks;
  readonly creator: SnapshotCreator;
  readonly pools: PoolRegistry;
  readonly clock: Clock;
  /** Test hook between steps (see crash-checkpoint.ts); none in production. */
  readonly crashCheckpoint?: CrashCheckpoint;
  /** Starts again, once Docker is back, a container the restore stopped and Docker then could not start. */
  readonly restarter?: ContainerRestarter;
}

const SAFETY_EXPIRY_DAYS = 7;

/**
 * Restore: stop the container if it runs, swap every captured filesystem for the snapshot's content
 * (the drivers swap by rename, so each filesystem is always whole), start it again. Newer snapshots
 * are kept. A restore that fails halfway puts the already swapped filesystems back. The caller holds
 * the container's lock; the restore holds its datasets too, since other containers may mount them.
 */
export class RestoreService {
  private readonly swap: RestoreSwap;

  constructor(private readonly deps: RestoreServiceDeps) {
    this.swap = new RestoreSwap(deps);
  }

  async restore(container: ResolvedContainer & { live: LiveContainer }, snapshot: SnapshotRecord, input: RestoreInput): Promise<RestoreResult> {
    if (snapshot.state !== 'ready') {
      throw new ConflictError('snapshot_not_ready', `Snapshot ${snapshot.name} is ${snapshot.state}; only a ready snapshot can be restored.`);
    }
    // A pool that is down is refused later, with its own error; here only drivers that cannot restore.
    const { pools } = this.deps;
    const unrestorable = snapshot.filesystems.filter((fs) => pools.isAvailable(fs.pool) && !pools.driverFor(fs).info().capabilities.restoreAnySnapshot);
    if (unrestorable.length > 0) {
      throw new ConflictError(
        'restore_unsupported',
        `The storage driver of ${unrestorable.map((fs) => fs.mountPoint).join(', ')} cannot restore snapshots, so snapshot ${snapshot.name} cannot be restored.`,
      );
    }
    return this.deps.datasetLocks.run(snapshot.filesystems, `restore of ${container.live.name}`, () => this.restoreLocked(container, snapshot, input));
  }

  /** Start-up: finishes a restore a crash interrupted (see restore-resume.ts). */
  resume(entry: JournalEntry): Promise<string> {
    return resumeRestore({ ...this.deps, swap: this.swap }, entry);
  }

  private async restoreLocked(
    container: ResolvedContainer & { live: LiveContainer },
    snapshot: SnapshotRecord,
    input: RestoreInput,
  ): Promise<RestoreResult> {
    const { store, runtime, clock } = this.deps;
    const started = performance.now();
    const id = container.live.id;
    // Checked holding the datasets, so no other restore can stop and restart a sharing container meanwhile.
    const sharing = await findSharingContainers(this.deps, id, snapshot.filesystems);
    if (sharing.length > 0 && input.stopSharingContainers !== true) throw sharedDatasetInUse(snapshot, sharing);
    await assertFilesystemsInPlace(this.deps.pools, snapshot.filesystems, snapshot.name);
    const safetySnapshot =
      input.safetySnapshot === true
        ? await this.deps.creator.create(
            container,
            { alias: this.safetyAlias(id, snapshot.name), expiryDays: SAFETY_EXPIRY_DAYS, origin: 'safety' },
            { datasetsLocked: true },
          )
        : null;

    // Under the lock, fresh: the state seen before the lock was taken may be stale (a snapshot that
    // stopped the container for its quiesce has started it again meanwhile).
    const wasRunning = (await runtime.inspect(id)).state.running;
    const payload: RestorePayload = {
      snapshotId: snapshot.id,
      storageName: storageSnapshotName(snapshot.id, snapshot.name),
      rollbackName: `pre-restore.op${Date.now().toString(36)}`,
      wasRunning,
      filesystems: snapshot.filesystems,
      identities: await this.swap.identities(snapshot.filesystems),
      sharingStopped: sharing.map((s) => s.id),
    };
    const operation = store.startOperation('restore', id, snapshot.name, { ...payload });
    const toStart = [...(wasRunning ? [id] : []), ...sharing.map((s) => s.id)];

    let stopMs = 0;
    let swapMs = 0;
    let startMs = 0;
    try {
      const stopStart = performance.now();
      for (const each of toStart) await runtime.stop(each);
      stopMs = performance.now() - stopStart;
      store.updateOperation(operation.id, 'stopped');
      this.deps.crashCheckpoint?.('restore:stopped');

      const swapStart = performance.now();
      await this.swap.swapAll(operation.id, payload, payload.filesystems, [], { keepRollbacks: true });
      swapMs = performance.now() - swapStart;
      store.updateOperation(operation.id, 'swapped');

      const startStart = performance.now();
      await this.startAfterSwap(operation.id, payload, toStart);
      startMs = performance.now() - startStart;
    } catch (error) {
      const reason = `the restore of ${container.live.name} to ${snapshot.name}`;
      for (const each of toStart) await startStoppedContainer(this.deps.runtime, this.deps.restarter, each, reason).catch(() => undefined);
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
      stoppedSharingContainers: sharing.map((s) => s.name),
      durations: { totalMs: performance.now() - started, stopMs, swapMs, startMs },
    };
  }

  /**
   * Starts the containers the restore stopped. Docker gone away before any of them ran again (shut down,
   * restarting): the swap is undone, so the 503 the caller gets means "nothing changed, try again"; the
   * caller's catch then owes their start to the restarter. The pre-restore snapshots go either way.
   */
  private async startAfterSwap(operationId: number, payload: RestorePayload, toStart: readonly string[]): Promise<void> {
    let started = 0;
    try {
      for (const each of toStart) {
        await this.deps.runtime.start(each);
        started += 1;
      }
    } catch (error) {
      if (!isDockerUnavailableError(error) || started > 0) {
        await this.swap.dropRollbacks(payload.filesystems, payload.rollbackName);
        throw error;
      }
      this.deps.store.updateOperation(operationId, 'undoing: Docker went away before the containers were started again');
      try {
        await this.swap.undo(payload);
      } catch (undoError) {
        throw new InternalError(
          'restore_undo_failed',
          `Docker went away before the restored container could be started, and putting the old content back failed; the pre-restore snapshots "${payload.rollbackName}" are kept.`,
          { cause: Object.assign(new Error(`undo after Docker went away: ${String(undoError)}`, { cause: error }), { undoError }) },
        );
      }
      throw error;
    }
    await this.swap.dropRollbacks(payload.filesystems, payload.rollbackName);
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

/** 409 naming every running container that mounts a dataset the restore would swap. */
function sharedDatasetInUse(snapshot: SnapshotRecord, sharing: readonly SharingContainer[]): ConflictError {
  const users = sharing.map((s) => `${s.name} (shares ${s.mountPoints.join(', ')})`).join('; ');
  return new ConflictError(
    'dataset_in_use',
    `Restoring ${snapshot.name} would swap datasets that other running containers also mount: ${users}. Stop them first, or restore with stop_sharing_containers: true to have them stopped and started again.`,
  );
}
