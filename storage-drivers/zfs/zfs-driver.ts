import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandRunner } from '../common/command-runner.js';
import type { DriverWarn } from '../driver-registration.js';
import { DriverBase } from '../driver-base.js';
import { AlreadyExistsError, CommandFailedError, MissingSoftwareError, NotFoundError, UnsupportedError } from '../common/errors.js';
import { nestedDatasetsError } from './zfs-children.js';
import { findMount } from '../common/mounts.js';
import type { Readable } from 'node:stream';
import type {
  DiffEntry,
  DiffOptions,
  DriverInfo,
  PoolSpace,
  ReceiveTarget,
  RecoveryAction,
  RestoreOptions,
  SendOptions,
  SendStream,
  SnapshotIdentity,
  SnapshotInfo,
  Usage,
} from '../driver.js';
import { PROP, ZfsCatalog, type PhysicalSnapshot } from './zfs-catalog.js';
import { collectGarbage, rollbackIfNewest } from './zfs-collector.js';
import { ZfsCommands } from './zfs-commands.js';
import { describeDialect, detectDialect, type ZfsDialect } from './zfs-dialect.js';
import { diffSnapshots } from './zfs-diff.js';
import { newId, ZfsNames } from './zfs-names.js';
import { assertNoProblems, nameProblems } from '../common/names.js';
import { dependentsOf, heldElsewhere, refuseWithHeldClones } from './zfs-holders.js';
import { recoverRestores, restoreBySwap } from './zfs-restore.js';
import { receiveSnapshot, recoverReceives, type ZfsReceiveContext } from './zfs-receive.js';
import { sendSnapshot, snapshotIdentity, type ZfsSendContext } from './zfs-send.js';

export interface ZfsDriverOptions {
  /** The dataset cowsnap may use, e.g. `tank/cowsnap`; user datasets are created below it. */
  readonly rootDataset: string;
  readonly runner: CommandRunner;
  /** The service's warn log (a clone left unmounted by a zfs-fuse rename); none in most tests. */
  readonly warn?: DriverWarn | undefined;
}

/**
 * StorageDriver on ZFS: zfs-fuse (pool v23) and OpenZFS 2.x, told apart by what the tools accept.
 * A dataset is a full dataset name below the root dataset; cowsnap's own datasets (restore lineages,
 * temporary clones, graves of destroyed datasets) live in `<root>/cowsnap-internal`, mounted nowhere.
 */
export class ZfsDriver extends DriverBase {
  private readonly names: ZfsNames;
  private readonly zfs: ZfsCommands;
  private readonly catalog: ZfsCatalog;
  private readonly pool: string;
  private probed: { info: DriverInfo; dialect: ZfsDialect } | undefined;

  constructor(private readonly options: ZfsDriverOptions) {
    super();
    this.names = new ZfsNames(options.rootDataset);
    // zfs-fuse cannot rename a dataset while a clone of its snapshots is mounted; OpenZFS can (the probe tells them apart).
    this.zfs = new ZfsCommands(options.runner, { unmountClonesToRename: async () => (await this.dialect()).tool === 'zfs-fuse', warn: options.warn });
    this.catalog = new ZfsCatalog(this.zfs, this.names);
    this.pool = options.rootDataset.split('/')[0] ?? options.rootDataset;
  }

  async probe(): Promise<DriverInfo> {
    let rootExists: boolean;
    try {
      rootExists = await this.zfs.datasetExists(this.names.root);
    } catch (error) {
      if (error instanceof CommandFailedError && error.exitCode === null) {
        throw new MissingSoftwareError('ZFS (zfs-fuse or OpenZFS)', `the zfs command cannot run (${error.stderr.trim()}); install ZFS (zfs-fuse or OpenZFS)`, { cause: error });
      }
      throw error;
    }
    if (!rootExists) throw new NotFoundError(`root dataset ${this.names.root} does not exist`);
    await this.ensureInternal();
    const dialect = await detectDialect(this.options.runner, this.zfs, this.names);
    const info: DriverInfo = {
      name: 'zfs',
      version: describeDialect(dialect),
      pool: this.names.root,
      capabilities: {
        restoreAnySnapshot: true,
        usageAccounting: true,
        diff: dialect.nativeDiff ? 'native' : 'tree-compare',
        holds: dialect.holds,
        // With `destroy -d` ZFS frees the snapshot itself; without it the snapshot is tombstoned and collected.
        deferredDestroy: true,
        nestedDatasets: false,
        send: true,
        incrementalSend: true,
        // `zfs recv -s` (OpenZFS only) is not used: a cut receive starts again.
        resumableReceive: false,
      },
    };
    this.probed = { info, dialect };
    return info;
  }

  info(): DriverInfo {
    if (this.probed === undefined) throw new Error('ZfsDriver.info() called before probe()');
    return this.probed.info;
  }

  private async dialect(): Promise<ZfsDialect> {
    if (this.probed === undefined) await this.probe();
    if (this.probed === undefined) throw new Error('probe() did not record its result');
    return this.probed.dialect;
  }

  /** `<root>/cowsnap-internal` with mountpoint=none, so nothing inside is mounted unless asked for. */
  private async ensureInternal(): Promise<void> {
    if (!(await this.zfs.datasetExists(this.names.internal))) {
      try {
        await this.zfs.create(this.names.internal, { mountpoint: 'none' });
      } catch (error) {
        if (!(error instanceof AlreadyExistsError)) throw error;
      }
    } else if ((await this.zfs.getProperty(this.names.internal, 'mountpoint')) !== 'none') {
      await this.zfs.setProperty(this.names.internal, 'mountpoint', 'none');
    }
  }

  private async requireDataset(dataset: string): Promise<void> {
    this.names.assertDataset(dataset);
    if (!(await this.zfs.datasetExists(dataset))) throw new NotFoundError(`dataset ${dataset} does not exist`);
  }

  /** The dataset itself need not exist any more: snapshots outlive it. */
  private async requireSnapshot(dataset: string, name: string): Promise<PhysicalSnapshot> {
    this.names.assertSnapshot(dataset, name);
    const snapshot = await this.catalog.find(dataset, name);
    if (snapshot === undefined) throw new NotFoundError(`snapshot ${name} of ${dataset} does not exist`);
    return snapshot;
  }

  private async refuseNested(dataset: string, what: string): Promise<void> {
    const nested = (await this.zfs.list(dataset, 'filesystem,volume', 1)).filter((name) => name !== dataset);
    if (nested.length > 0) {
      throw nestedDatasetsError(dataset, nested, what);
    }
  }

  async createDataset(dataset: string): Promise<void> {
    this.names.assertDataset(dataset);
    if (await this.zfs.datasetExists(dataset)) throw new AlreadyExistsError(`dataset ${dataset} already exists`);
    await this.zfs.create(dataset, { [PROP.dataset]: dataset });
    await this.zfs.ensureMounted(dataset);
  }

  /**
   * Destroys the dataset. Its snapshots outlive it (as on btrfs: a container's snapshots survive `docker
   * rm`): a dataset with snapshots moves into a lineage, where listSnapshots() still finds them and the
   * collector frees them as they are deleted.
   */
  async destroyDataset(dataset: string): Promise<void> {
    await this.requireDataset(dataset);
    await this.refuseNested(dataset, 'destroy');
    const hasSnapshots = (await this.zfs.list(dataset, 'snapshot', 1)).length > 0;
    // Kept as a lineage, by rename: zfs-fuse would unmount the clones running containers hold (zfs-holders.ts).
    if (hasSnapshots) await refuseWithHeldClones(this.zfs, dataset, 'destroy');
    await this.zfs.ensureUnmounted(dataset);
    try {
      if (!hasSnapshots) {
        await this.zfs.destroy(dataset, { recursive: true });
      } else {
        await this.ensureInternal();
        await this.zfs.setProperty(dataset, PROP.dataset, dataset);
        const lineage = this.names.fresh('lineage');
        await this.zfs.rename(dataset, lineage);
        if ((await this.zfs.localProperties(lineage)).has('mountpoint')) await this.zfs.inheritProperty(lineage, 'mountpoint');
      }
    } catch (error) {
      if (await this.zfs.datasetExists(dataset)) await this.zfs.ensureMounted(dataset);
      throw error;
    }
    await this.collectAfter();
  }

  async datasetExists(dataset: string): Promise<boolean> {
    this.names.assertDataset(dataset);
    return this.zfs.datasetExists(dataset);
  }

  async listDatasets(): Promise<string[]> {
    const all = await this.zfs.list(this.names.root, 'filesystem,volume');
    return all.filter((name) => name !== this.names.root && !this.names.isInternal(name));
  }

  childDataset(name: string): string {
    assertNoProblems(nameProblems('dataset name', name));
    return `${this.names.root}/${name}`;
  }

  async mountPath(dataset: string): Promise<string> {
    await this.requireDataset(dataset);
    const mountpoint = await this.zfs.getProperty(dataset, 'mountpoint');
    if (!mountpoint.startsWith('/')) throw new UnsupportedError(`dataset ${dataset} has no mount point (mountpoint=${mountpoint})`);
    return mountpoint;
  }

  /** Looks at the host's mount table, not the `mounted` property: zfs-fuse's can say yes after the mount was lost. */
  async datasetMounted(dataset: string): Promise<boolean> {
    let path: string;
    try {
      path = await this.mountPath(dataset);
    } catch {
      return false;
    }
    const mount = findMount(path);
    return mount !== undefined && mount.source === dataset && /(^|\.)zfs$/.test(mount.fsType);
  }

  async datasetForPath(hostPath: string): Promise<string | undefined> {
    let path: string;
    try {
      path = await realpath(resolve(hostPath));
    } catch {
      return undefined;
    }
    const mount = findMount(path);
    if (mount === undefined || !/(^|\.)zfs$/.test(mount.fsType)) return undefined;
    const name = mount.source;
    if (!name.startsWith(`${this.names.root}/`) || this.names.isInternal(name)) return undefined;
    return name;
  }

  /**
   * A ZFS snapshot does not include nested datasets; a copy made from it would show them empty. So a
   * dataset with nested datasets is refused with their names, never silently half captured.
   */
  async createSnapshot(dataset: string, name: string): Promise<SnapshotInfo> {
    this.names.assertSnapshot(dataset, name);
    await this.requireDataset(dataset);
    await this.refuseNested(dataset, 'snapshot');
    if ((await this.catalog.find(dataset, name)) !== undefined) {
      throw new AlreadyExistsError(`snapshot ${name} of ${dataset} already exists`);
    }
    const createdAt = new Date();
    await this.zfs.snapshot(`${dataset}@${name}`, { [PROP.created]: String(createdAt.getTime()) });
    return { dataset, name, createdAt };
  }

  async listSnapshots(dataset: string): Promise<SnapshotInfo[]> {
    this.names.assertDataset(dataset);
    return (await this.catalog.snapshots(dataset)).map((snapshot) => ({ dataset, name: snapshot.name, createdAt: snapshot.createdAt }));
  }

  async snapshotExists(dataset: string, name: string): Promise<boolean> {
    this.names.assertSnapshot(dataset, name);
    return (await this.catalog.find(dataset, name)) !== undefined;
  }

  /**
   * A snapshot no clone needs is destroyed. One a clone needs is hidden at once (tombstone property),
   * renamed out of the way so its name can be used again, and left to ZFS (`destroy -d`) or to the
   * collector to free when the last clone goes. The clone is never touched.
   */
  async destroySnapshot(dataset: string, name: string): Promise<void> {
    const snapshot = await this.requireSnapshot(dataset, name);
    const origins = await this.zfs.getClones(this.pool);
    const clones = origins.get(snapshot.full) ?? [];
    const inLineage = this.names.parseInternal(snapshot.physical)?.kind === 'lineage';
    if (clones.length === 0) {
      await this.zfs.destroy(snapshot.full);
      if (inLineage) await this.trimLineage(snapshot.physical);
    } else {
      await this.zfs.setProperty(snapshot.full, PROP.deleted, String(Date.now()));
      // Renamed out of the way unless a container holds one of its clones, at any depth (zfs-holders.ts: the rename
      // would leave that clone unmounted on the host). Unrenamed, the name stays taken until the collector
      // frees it (cowsnap's own names are never reused: they end in the record id).
      let tomb = snapshot.full;
      if ((await heldElsewhere(dependentsOf(snapshot.full, origins))).length === 0) {
        tomb = `${snapshot.physical}@cowsnap-deleted-${newId()}`;
        await this.zfs.rename(snapshot.full, tomb);
      }
      if ((await this.dialect()).deferredDestroy) await this.zfs.destroy(tomb, { deferred: true });
    }
    // Deleting a clone-free snapshot of a live dataset frees it at once and unblocks nothing else, so
    // the pool-wide collection (which reads every snapshot) runs only when a lineage or a clone is involved:
    // an expiry run deleting thousands of snapshots stays linear.
    if (inLineage || clones.length > 0) await this.collectAfter();
  }

  /**
   * A lineage's head is unreachable: after its newest snapshot goes, roll it back so it frees those blocks.
   * Only space is at stake and the snapshot is already gone, so a refusal must not fail the delete (chaos
   * seed 30: zfs-fuse answered "dataset already exists" to the rollback, and the delete answered 500 after
   * destroying the snapshot); the blocks wait for the next delete or collection in that lineage.
   */
  private async trimLineage(lineage: string): Promise<void> {
    const newest = (await this.catalog.snapshotsOf(lineage)).at(-1);
    if (newest !== undefined) await rollbackIfNewest(this.zfs, newest.full).catch(() => undefined);
  }

  override async restoreSnapshot(dataset: string, name: string, options: RestoreOptions = {}): Promise<void> {
    const snapshot = await this.requireSnapshot(dataset, name);
    await this.requireDataset(dataset);
    await restoreBySwap({ zfs: this.zfs, names: this.names, ensureInternal: () => this.ensureInternal() }, dataset, snapshot, options);
    await this.collectAfter();
  }

  /** A restore puts a clone in place, and a clone has its own guid. */
  override async datasetIdentity(dataset: string): Promise<string> {
    await this.requireDataset(dataset);
    return this.zfs.getProperty(dataset, 'guid');
  }

  /**
   * Each step on its own: one that fails (a command refused, say) is reported `skipped` and the others run,
   * so one stuck dataset never makes the whole pool unavailable; the next start tries again.
   */
  override async recover(): Promise<RecoveryAction[]> {
    const actions: RecoveryAction[] = [];
    const step = async (what: string, body: () => Promise<RecoveryAction[]>): Promise<void> => {
      try {
        actions.push(...(await body()));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        actions.push({ dataset: this.names.root, action: 'skipped', detail: `could not ${what}: ${message}; the next start tries again` });
      }
    };
    await step('recover interrupted restores', () => recoverRestores(this.zfs, this.names));
    await step('recover interrupted receives', () => recoverReceives(this.zfs, this.names));
    await step('remove leftover temporary datasets', () => this.removeTemporaries());
    await step('free unreferenced storage', async () =>
      (await this.collect()).map((freed): RecoveryAction => ({ dataset: freed, action: 'cleaned', detail: 'freed storage nothing refers to any more' })),
    );
    return actions;
  }

  private async removeTemporaries(): Promise<RecoveryAction[]> {
    if (!(await this.zfs.datasetExists(this.names.internal))) return [];
    const actions: RecoveryAction[] = [];
    for (const name of await this.zfs.list(this.names.internal, 'filesystem,volume', 1)) {
      const kind = this.names.parseInternal(name)?.kind;
      if (kind !== 'diff' && kind !== 'probe') continue;
      await this.zfs.ensureUnmounted(name);
      await this.zfs.destroy(name, { recursive: true });
      actions.push({ dataset: name, action: 'cleaned', detail: `removed a leftover temporary ${kind} dataset` });
    }
    return actions;
  }

  async cloneSnapshot(dataset: string, name: string, target: string): Promise<void> {
    this.names.assertDataset(target);
    const snapshot = await this.requireSnapshot(dataset, name);
    if (await this.zfs.datasetExists(target)) throw new AlreadyExistsError(`dataset ${target} already exists`);
    await this.zfs.clone(snapshot.full, target, { [PROP.dataset]: target });
    await this.zfs.ensureMounted(target);
  }

  /**
   * ZFS settles space accounting when a transaction group commits (zfs-fuse: up to 30 s later). `zpool
   * sync` waits for that; where it does not exist, any sync task does, and clearing an unset user
   * property on the root dataset is one that changes nothing.
   */
  private async settle(): Promise<void> {
    if ((await this.dialect()).poolSync) await this.options.runner.run('zpool', ['sync', this.pool]);
    else await this.zfs.inheritProperty(this.names.root, PROP.settle);
  }

  override async snapshotUsage(dataset: string, name: string): Promise<Usage> {
    const snapshot = await this.requireSnapshot(dataset, name);
    await this.settle();
    const rows = await this.zfs.getProperties([snapshot.full], ['used', 'referenced']);
    return {
      exclusiveBytes: bytes(rows.find((row) => row.property === 'used')?.value),
      referencedBytes: bytes(rows.find((row) => row.property === 'referenced')?.value),
    };
  }

  /** Exclusive: the dataset with its snapshots and restore lineages; referenced: what its files refer to now. */
  override async datasetUsage(dataset: string): Promise<Usage> {
    await this.requireDataset(dataset);
    await this.settle();
    const physicals = await this.catalog.physicals(dataset);
    const rows = await this.zfs.getProperties(physicals, ['used', 'referenced']);
    const used = rows.filter((row) => row.property === 'used').reduce((sum, row) => sum + (bytes(row.value) ?? 0), 0);
    return {
      exclusiveBytes: used,
      referencedBytes: bytes(rows.find((row) => row.name === dataset && row.property === 'referenced')?.value),
    };
  }

  async poolSpace(): Promise<PoolSpace> {
    await this.settle();
    const rows = await this.zfs.getProperties([this.pool], ['used', 'available']);
    const usedBytes = bytes(rows.find((row) => row.property === 'used')?.value) ?? 0;
    const freeBytes = bytes(rows.find((row) => row.property === 'available')?.value) ?? 0;
    return { totalBytes: usedBytes + freeBytes, usedBytes, freeBytes };
  }

  override async diff(dataset: string, from: string, to?: string, options?: DiffOptions): Promise<DiffEntry[]> {
    const older = await this.requireSnapshot(dataset, from);
    const newer = to === undefined ? { live: await this.mountPath(dataset) } : await this.requireSnapshot(dataset, to);
    await this.ensureInternal();
    return diffSnapshots({ zfs: this.zfs, names: this.names, nativeDiff: (await this.dialect()).nativeDiff }, dataset, older, newer, options);
  }

  override send(dataset: string, snapshot: string, options: SendOptions = {}): Promise<SendStream> {
    return sendSnapshot(this.replication, dataset, snapshot, options);
  }

  override receive(stream: Readable, target: ReceiveTarget): Promise<void> {
    return receiveSnapshot(this.replication, stream, target);
  }

  override snapshotIdentity(dataset: string, snapshot: string): Promise<SnapshotIdentity> {
    return snapshotIdentity(this.replication, dataset, snapshot);
  }

  /** What send and receive use of this driver. */
  private get replication(): ZfsSendContext & ZfsReceiveContext {
    return {
      zfs: this.zfs,
      names: this.names,
      catalog: this.catalog,
      requireSnapshot: (dataset, name) => this.requireSnapshot(dataset, name),
      ensureInternal: () => this.ensureInternal(),
    };
  }

  private collect(): Promise<string[]> {
    return collectGarbage(this.zfs, this.names);
  }

  /**
   * Collection after an operation that already succeeded: its failure (e.g. a concurrent collection
   * took the same lineage first) must not turn that success into an error. What is left is found by
   * the next collection or by recover().
   */
  private async collectAfter(): Promise<void> {
    try {
      await this.collect();
    } catch {
      // Deliberately ignored: see above.
    }
  }
}

function bytes(value: string | undefined): number | null {
  const number = Number(value);
  return value === undefined || value === '-' || !Number.isFinite(number) ? null : number;
}
