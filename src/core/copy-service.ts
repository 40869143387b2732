import { Reverter } from '../../storage-drivers/common/reverter.js';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { Clock } from './clock.js';
import type { ContainerLocks } from './container-lock.js';
import type { ContainerResolver, ResolvedContainer } from './container-resolver.js';
import type { DatasetLocks } from './dataset-locks.js';
import { copyFailure, CREATE_STEP } from './copy-failure.js';
import { copyDatasetName, copyNameProblems } from './copy-name.js';
import type { CapturedFilesystem, ContainerRecord, SnapshotRecord } from './model.js';
import type { PoolRegistry } from './pool-registry.js';
import type { StorePort } from './ports.js';
import type { SnapshotCreator } from './snapshot-creator.js';
import type { SnapshotDeleter } from './snapshot-deleter.js';
import { storageSnapshotName } from './storage-snapshot-name.js';
import { PROJECT_LABEL } from './access/role.js';

/** An old snapshot's copy cannot be as locked down as its source was: the caller must know. */
const NOT_RECORDED =
  'security and resource settings were not recorded with this snapshot (taken before cowsnap recorded them): ' +
  'capabilities, read-only rootfs, devices, memory/cpu/pids limits, init, tmpfs options, ulimits, shm size and sysctls are Docker\'s defaults in the copy';

export interface CopyInput {
  /** The new container's name: Docker's rules, at most 63 characters (copy-name.ts; checked again here). */
  readonly name: string;
  /** Name or alias; without it the current state is copied through a temporary snapshot. */
  readonly sourceSnapshot?: string;
  readonly start?: boolean;
  /** The image to create from instead of the recorded one (a copy from a remote: this host's image of that name). */
  readonly image?: string;
  /** The project the copy lands in; its source's when absent. Checked by the caller (it exists, the key may see it). */
  readonly targetProject?: string;
}

export interface CopyResult {
  readonly container: { readonly id: string; readonly name: string; readonly state: string };
  readonly sourceContainer: ContainerRecord;
  readonly sourceSnapshot: SnapshotRecord;
  /** The project the copy is in. */
  readonly projectId: string;
  /** True when the snapshot was made for this copy and removed afterwards. */
  readonly temporarySnapshot: boolean;
  /** Settings that could not be carried over (host ports, settings not recorded or not carryable), never dropped silently. */
  readonly warnings: string[];
}

/** What copy needs from Docker. */
export interface CopyRuntime {
  resolveContainer(ref: string): Promise<{ id: string } | undefined>;
  createContainer(
    name: string,
    config: SnapshotRecord['config'],
    overrides: { bindSources: Record<string, string>; dropHostPorts: boolean; labels: Record<string, string>; hostname: string; image?: string },
  ): Promise<string>;
  remove(id: string, options: { force?: boolean }): Promise<void>;
  start(id: string): Promise<void>;
  inspect(id: string): Promise<{ state: { status: string } }>;
  storageInfo(): Promise<{ driver: string; dataRoot: string }>;
  rootfsLayerPath(containerId: string, dataRoot: string): Promise<string>;
}

export interface CopyServiceDeps {
  readonly store: Pick<StorePort, 'resolveSnapshot' | 'getSnapshot' | 'touchLastUsed' | 'startOperation' | 'updateOperation' | 'finishOperation'>;
  readonly runtime: CopyRuntime;
  readonly resolver: ContainerResolver;
  readonly locks: ContainerLocks;
  /**
   * Each clone holds its source dataset shared, as a snapshot does: a restore of another container that
   * mounts the same dataset (which holds it exclusively) swaps it before or after the clone, never during.
   */
  readonly datasetLocks: DatasetLocks;
  readonly creator: SnapshotCreator;
  readonly deleter: SnapshotDeleter;
  readonly pools: PoolRegistry;
  readonly clock: Clock;
}

/**
 * Copy (template cloning): a new container from the configuration a snapshot recorded, whose filesystems
 * are writable clones of the snapshot — its rootfs replaces the fresh layer Docker made, each captured pool
 * mount becomes a new dataset on the same pool. Nothing is copied byte by byte, and a failure at any step
 * removes everything made so far.
 */
export class CopyService {
  /** Names of copies in progress here: two copies to one name would race for its datasets. */
  private readonly namesInProgress = new Set<string>();

  constructor(private readonly deps: CopyServiceDeps) {}

  async copy(containerRef: string, input: CopyInput): Promise<CopyResult> {
    const problems = copyNameProblems(input.name);
    if (problems.length > 0) throw new ValidationError(problems);
    if (this.namesInProgress.has(input.name)) {
      throw new ConflictError('name_taken', `Another copy to the name "${input.name}" is in progress.`);
    }
    this.namesInProgress.add(input.name);
    try {
      return await this.copyNamed(containerRef, input);
    } finally {
      this.namesInProgress.delete(input.name);
    }
  }

  private async copyNamed(containerRef: string, input: CopyInput): Promise<CopyResult> {
    const { runtime, resolver, locks } = this.deps;
    // An early answer only: Docker's own 409 at create is what really guards the name (copyFailure).
    if ((await runtime.resolveContainer(input.name)) !== undefined) {
      throw new ConflictError('name_taken', `A container named "${input.name}" already exists.`);
    }
    const source = await resolver.resolve(containerRef);
    return locks.runShared(source.record.id, 'copy', async () => {
      const { snapshot, temporary } = await this.sourceSnapshot(source, input.sourceSnapshot);
      try {
        const result = await this.copyFrom(source.record, snapshot, input);
        return { ...result, temporarySnapshot: temporary };
      } finally {
        // The clones are independent (btrfs) or keep the origin alive themselves (zfs deferred destroy).
        if (temporary) await this.deps.deleter.delete(snapshot);
      }
    });
  }

  private async sourceSnapshot(source: ResolvedContainer, ref: string | undefined): Promise<{ snapshot: SnapshotRecord; temporary: boolean }> {
    if (ref !== undefined) {
      const snapshot = this.deps.store.resolveSnapshot(source.record.id, ref);
      if (snapshot === undefined) {
        throw new NotFoundError('snapshot_not_found', `Container ${source.record.name} has no snapshot named or aliased "${ref}".`);
      }
      if (snapshot.state !== 'ready') {
        throw new ConflictError('snapshot_not_ready', `Snapshot ${snapshot.name} is ${snapshot.state}; only a ready snapshot can be copied.`);
      }
      return { snapshot, temporary: false };
    }
    if (source.live === undefined) {
      throw new NotFoundError('container_not_found', `Container ${source.record.name} was removed: name a source_snapshot to copy from.`);
    }
    const snapshot = await this.deps.creator.create({ record: source.record, live: source.live }, { origin: 'api', tags: ['copy-source'] });
    return { snapshot, temporary: true };
  }

  private async copyFrom(source: ContainerRecord, snapshot: SnapshotRecord, input: CopyInput): Promise<Omit<CopyResult, 'temporarySnapshot'>> {
    const { store, runtime, pools } = this.deps;
    const storageName = storageSnapshotName(snapshot.id, snapshot.name);
    const mounts = snapshot.filesystems.filter((f) => f.role === 'mount');
    let targets: string[];
    try {
      targets = await this.cloneTargets(input.name, mounts);
    } catch (error) {
      throw copyFailure(error, { name: input.name, step: "name the copy's datasets", leftBehind: [] });
    }
    const operation = store.startOperation('copy', source.id, snapshot.name, { snapshotId: snapshot.id, target: input.name });
    const projectId = input.targetProject ?? source.projectId;
    const reverter = new Reverter();
    let step = 'clone the pool mounts';
    try {
      const bindSources: Record<string, string> = {};
      const clones: { pool: string; dataset: string }[] = [];
      for (const [index, filesystem] of mounts.entries()) {
        const driver = pools.driverFor(filesystem);
        const target = targets[index] ?? '';
        await this.deps.datasetLocks.runShared([filesystem], `copy to ${input.name}`, () => driver.cloneSnapshot(filesystem.dataset, storageName, target));
        reverter.add(`destroy ${target}`, () => driver.destroyDataset(target));
        clones.push({ pool: filesystem.pool, dataset: target });
        // Journaled as they are made: a crash right after is cleaned up at start-up.
        store.updateOperation(operation.id, `cloned:${clones.length}`, { clones });
        bindSources[filesystem.mountPoint] = await driver.mountPath(target);
      }

      step = CREATE_STEP;
      const warnings = this.warnings(snapshot);
      const id = await runtime.createContainer(input.name, snapshot.config, {
        bindSources,
        dropHostPorts: true,
        hostname: input.name,
        // The project label puts the copy in its project (its source's unless asked) when cowsnap first sees it (design.md §9).
        labels: { 'io.cowsnap.copy-of': source.id, 'io.cowsnap.copy-snapshot': snapshot.name, [PROJECT_LABEL]: projectId },
        ...(input.image !== undefined && { image: input.image }),
      });
      reverter.add(`remove container ${input.name}`, () => runtime.remove(id, { force: true }));
      store.updateOperation(operation.id, 'created', { containerId: id });

      const rootfs = snapshot.filesystems.find((f) => f.role === 'rootfs');
      if (rootfs !== undefined) {
        step = 'put the snapshot rootfs in place';
        await this.replaceLayer(id, rootfs, storageName, input.name);
      } else {
        warnings.push('the snapshot holds no rootfs: the copy starts from the image, with only the pool mounts cloned');
      }

      if (input.start !== false) {
        step = 'start the container';
        await runtime.start(id);
      }
      reverter.success();
      store.touchLastUsed(snapshot.id, this.deps.clock.now());
      store.finishOperation(operation.id, 'done');
      const state = (await runtime.inspect(id)).state.status;
      const used = store.getSnapshot(snapshot.id) ?? snapshot;
      return { container: { id, name: input.name, state }, sourceContainer: source, sourceSnapshot: used, projectId, warnings };
    } catch (error) {
      const failures = await reverter.revert();
      const message = error instanceof Error ? error.message : String(error);
      store.finishOperation(operation.id, 'failed', `${step}: ${message}`);
      throw copyFailure(error, { name: input.name, step, leftBehind: failures.map((f) => f.label) });
    }
  }

  /**
   * The dataset each pool mount's clone gets: the next free `cowsnap-copy-<name>-<n>`. An earlier copy of
   * the same name that was removed with `docker rm` leaves its datasets (they hold its data), so the
   * numbers go on instead of failing. Computed before anything is made: a name the pool cannot hold is a 400.
   */
  private async cloneTargets(name: string, mounts: readonly CapturedFilesystem[]): Promise<string[]> {
    const targets: string[] = [];
    let index = 0;
    for (const filesystem of mounts) {
      const driver = this.deps.pools.driverFor(filesystem);
      let target: string;
      do {
        index += 1;
        target = driver.childDataset(copyDatasetName(name, index));
      } while (await driver.datasetExists(target));
      targets.push(target);
    }
    return targets;
  }

  /** The new container's fresh writable layer is swapped for a clone of the snapshot's rootfs, before its first start. */
  private async replaceLayer(containerId: string, rootfs: CapturedFilesystem, storageName: string, name: string): Promise<void> {
    const { runtime, pools } = this.deps;
    const storage = await runtime.storageInfo();
    const layer = await runtime.rootfsLayerPath(containerId, storage.dataRoot);
    const driver = pools.driverFor(rootfs);
    if ((await driver.datasetForPath(layer)) === undefined) {
      // No path in the message: clients never see host paths.
      throw new ConflictError(
        'rootfs_not_on_pool',
        `Docker put the new container's writable layer outside pool "${rootfs.pool}", where the snapshot's rootfs is; a clone cannot cross pools (Docker's data root must be on that pool).`,
      );
    }
    await driver.destroyDataset(layer);
    await this.deps.datasetLocks.runShared([rootfs], `copy to ${name}`, () => driver.cloneSnapshot(rootfs.dataset, storageName, layer));
  }

  private warnings(snapshot: SnapshotRecord): string[] {
    const { ports, dockerSettings } = snapshot.config;
    const warnings = ports
      .filter((port) => port.hostPort !== null && port.hostPort !== '')
      .map((port) => `host port ${port.hostIp ?? ''}:${port.hostPort ?? ''} -> ${port.containerPort} was not published: the source may still hold it`);
    if (dockerSettings === undefined) warnings.push(NOT_RECORDED);
    else warnings.push(...dockerSettings.notCarried);
    return warnings;
  }
}
