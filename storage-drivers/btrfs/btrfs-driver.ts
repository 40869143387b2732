import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { lstat, mkdir, realpath, rmdir, statfs } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { CommandRunner } from '../common/command-runner.js';
import { DriverBase, UNKNOWN_USAGE } from '../driver-base.js';
import type { CrashCheckpoint } from '../common/crash-checkpoint.js';
import { ensureDir } from '../common/ensure-dir.js';
import { mapErrors, toStorageError } from '../common/error-mapping.js';
import { ExchangeUnsupportedError, exchangePaths } from '../common/exchange-paths.js';
import { AlreadyExistsError, CommandFailedError, MissingSoftwareError, NotFoundError, TooManyChangesError, UnsupportedError } from '../common/errors.js';
import { mountHolding, mountHoldingIn, mountsUnder, readMounts } from '../common/mounts.js';
import { assertNoProblems, assertSnapshotName, nameProblems } from '../common/names.js';
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
import { BtrfsCommands } from './btrfs-commands.js';
import { BtrfsLayout, INTERNAL_DIR } from './btrfs-layout.js';
import { QgroupSearchError } from './btrfs-qgroup-search.js';
import { cleanLeftovers } from './btrfs-recovery.js';
import { recoverRestores, restoreBySwap, type RestoreTools } from './btrfs-restore.js';
import { SendDumpParser } from './btrfs-send-diff.js';
import { withStats } from '../common/diff-stats.js';
import { NestedSnapshots } from './btrfs-nested-snapshot.js';
import { readSnapshotFolders } from './btrfs-snapshot-folders.js';
import { NestedSubvolumes } from './btrfs-nested.js';
import { BtrfsReplication } from './btrfs-send-receive.js';
import { isSubvolume, isSubvolumeSync, SubvolumeTree } from './btrfs-subvolume-tree.js';

const BTRFS_MAGIC = 0x9123683e;

export interface BtrfsDriverOptions {
  /** Mount point of the btrfs filesystem (or the root of a subvolume of it) that cowsnap may use. */
  readonly poolPath: string;
  readonly runner: CommandRunner;
  /** Crash tests' hook between a restore's steps (see crash-checkpoint.ts); none in production. */
  readonly crashCheckpoint?: CrashCheckpoint | undefined;
}

/**
 * The btrfs driver: a dataset is a subvolume below the pool path (one cowsnap created, or one Docker made
 * for a container layer); snapshots are read-only subvolumes in the pool's hidden `.cowsnap` folder.
 */
export class BtrfsDriver extends DriverBase {
  private readonly layout: BtrfsLayout;
  private readonly btrfs: BtrfsCommands;
  private readonly runner: CommandRunner;
  private readonly crashCheckpoint: CrashCheckpoint | undefined;
  private readonly tree: SubvolumeTree;
  private readonly nested: NestedSubvolumes;
  private readonly nestedSnapshots: NestedSnapshots;
  private readonly replication: BtrfsReplication;
  private probed: DriverInfo | undefined;
  private quotas = false;
  /** The pool's path relative to the filesystem's top level ("" when the pool is the top level). */
  private poolFsPath = '';

  constructor(options: BtrfsDriverOptions) {
    super();
    this.layout = new BtrfsLayout(resolve(options.poolPath));
    this.btrfs = new BtrfsCommands(options.runner);
    this.runner = options.runner;
    this.crashCheckpoint = options.crashCheckpoint;
    this.tree = new SubvolumeTree(this.layout.pool);
    this.nested = new NestedSubvolumes(this.btrfs);
    this.nestedSnapshots = new NestedSnapshots(this.btrfs, this.nested);
    this.replication = new BtrfsReplication({
      layout: this.layout,
      btrfs: this.btrfs,
      runner: this.runner,
      existingSnapshot: (dataset, name) => this.existingSnapshot(dataset, name),
      poolFsPath: () => this.poolFsPath,
    });
  }

  async probe(): Promise<DriverInfo> {
    const pool = this.layout.pool;
    const version = await this.btrfs.version().catch((error: unknown) => {
      // The program could not start: btrfs-progs is missing (stderr says how, with the path tried; log only).
      if (error instanceof CommandFailedError && error.exitCode === null && error.signal === null) {
        throw new MissingSoftwareError('btrfs-progs', `the btrfs command cannot run (${error.stderr.trim()}); install btrfs-progs`, { cause: error });
      }
      throw error;
    });
    // Fails here, at start-up, with the Debian package to install, rather than on the first snapshot.
    this.btrfs.loadLibrary();
    const fs = await mapErrors(`pool ${pool}`, () => statfs(pool));
    if (fs.type !== BTRFS_MAGIC) throw new UnsupportedError(`pool ${pool} is not on a btrfs filesystem`);
    if (!(await isSubvolume(pool))) {
      throw new UnsupportedError(`pool ${pool} must be a btrfs mount point or subvolume root, not a plain folder`);
    }
    this.poolFsPath = await this.btrfs.subvolumeFsPath(pool);
    this.quotas = await this.checkQuotas();
    this.probed = {
      name: 'btrfs',
      version,
      pool,
      capabilities: {
        restoreAnySnapshot: true,
        usageAccounting: this.quotas,
        diff: 'native',
        holds: false,
        // btrfs snapshots and clones share extents but never depend on each other.
        deferredDestroy: true,
        // Nested subvolumes are snapshotted one by one and put back as subvolumes (btrfs-nested-snapshot.ts).
        nestedDatasets: true,
        send: true,
        incrementalSend: true,
        resumableReceive: false,
      },
    };
    return this.probed;
  }

  /**
   * Quotas on → exact usage; an inconsistent qgroup tree (quotas enabled on a filled pool) is rescanned. Read
   * from the quota tree's status item (btrfs-qgroup-search.ts): `btrfs qgroup show` reads every qgroup first,
   * 0.12–0.25 s of each start-up at 10,000 snapshots. No quota tree at all (ENOENT) means quotas are off.
   */
  private async checkQuotas(): Promise<boolean> {
    let inconsistent: boolean;
    try {
      ({ inconsistent } = await this.btrfs.qgroup(this.layout.pool, await this.btrfs.rootId(this.layout.pool)));
    } catch (error) {
      if (error instanceof NotFoundError && error.cause instanceof QgroupSearchError) return false;
      throw error;
    }
    if (inconsistent) await this.btrfs.quotaRescan(this.layout.pool);
    return true;
  }

  info(): DriverInfo {
    if (this.probed === undefined) throw new Error('BtrfsDriver.info() called before probe()');
    return this.probed;
  }

  async createDataset(dataset: string): Promise<void> {
    const path = this.layout.dataset(dataset);
    if (await isSubvolume(path)) throw new AlreadyExistsError(`dataset ${path} already exists`);
    await this.tree.refuseInsideDataset(path);
    await this.btrfs.createSubvolume(path);
  }

  async destroyDataset(dataset: string): Promise<void> {
    const path = await this.existingDataset(dataset);
    await this.assertReachedWithoutSymlinks(path);
    await this.nested.deleteTree(path);
  }

  /**
   * A path through a symlinked folder inside the pool (or a symlink itself) names some other, real
   * dataset: deleting it would delete that one. The path must be where it says it is.
   */
  private async assertReachedWithoutSymlinks(path: string): Promise<void> {
    const parent = dirname(path);
    const [realParent, realPool, entry] = await Promise.all([
      realpath(parent).catch(() => undefined),
      realpath(this.layout.pool),
      lstat(path).catch(() => undefined),
    ]);
    if (realParent !== join(realPool, relative(this.layout.pool, parent)) || entry?.isSymbolicLink() !== false) {
      throw new UnsupportedError(`refusing to delete ${path}: it is reached through a symlink inside the pool`);
    }
  }

  async datasetExists(dataset: string): Promise<boolean> {
    return isSubvolume(this.layout.dataset(dataset));
  }

  async listDatasets(): Promise<string[]> {
    const prefix = this.poolFsPath === '' ? '' : `${this.poolFsPath}/`;
    const subvolumes = await this.btrfs.listSubvolumes(this.layout.pool);
    return subvolumes
      .filter((s) => s.path.startsWith(prefix))
      .map((s) => s.path.slice(prefix.length))
      // Restore areas may also sit at the root of bind mounts inside the pool (see BtrfsLayout.restoreRoot).
      .filter((rel) => !rel.split('/').includes(INTERNAL_DIR))
      .map((rel) => join(this.layout.pool, rel))
      .sort();
  }

  async mountPath(dataset: string): Promise<string> {
    return this.existingDataset(dataset);
  }

  childDataset(name: string): string {
    assertNoProblems(nameProblems('dataset name', name));
    return join(this.layout.pool, name);
  }

  datasetForPath(hostPath: string): Promise<string | undefined> {
    return Promise.resolve(this.datasetAt(hostPath));
  }

  /**
   * datasetForPath's checks, synchronous: they are on every create's path, none waits on the disk's
   * transactions (realpath, lstat, /proc), and each thread-pool round trip cost ~1 ms on a loaded machine.
   */
  private datasetAt(hostPath: string): string | undefined {
    let path: string;
    try {
      path = realpathSync.native(hostPath);
    } catch {
      return undefined;
    }
    const rel = relative(this.layout.pool, path);
    if (rel === '' || rel.startsWith('..') || rel.split(sep).includes(INTERNAL_DIR)) return undefined;
    if (!isSubvolumeSync(path)) return undefined;
    // Another filesystem mounted inside the pool has inode-256 roots too; it is not ours. (A bind mount of
    // the pool's own filesystem, like Docker's `<data-root>/btrfs`, is.)
    const mounts = readMounts();
    const [holder, poolMount] = [mountHoldingIn(mounts, path), mountHoldingIn(mounts, this.layout.pool)];
    if (holder?.source !== poolMount?.source || holder?.fsType !== 'btrfs') return undefined;
    return path;
  }

  async createSnapshot(dataset: string, name: string): Promise<SnapshotInfo> {
    const path = this.layout.dataset(dataset);
    assertSnapshotName(name);
    if (!isSubvolumeSync(path)) throw new NotFoundError(`dataset ${path} does not exist`);
    const folder = this.layout.snapshotFolder(path, name);
    await mapErrors(`snapshot ${name} of ${path}`, async () => {
      // The snapshots folder exists after a dataset's first snapshot: one mkdir, not two, on a create.
      await mkdir(folder).catch(async (error: unknown) => {
        if ((error as { code?: string }).code !== 'ENOENT') throw error;
        await ensureDir(this.layout.snapshotsDir(path));
        await mkdir(folder);
      });
    });
    try {
      await this.nestedSnapshots.take(path, folder, this.layout.snapshotPath(path, name));
    } catch (error) {
      await this.nestedSnapshots.removeIncomplete(folder).catch(() => undefined);
      await rmdir(folder).catch(() => undefined);
      throw error;
    }
    // Now, as ZFS answers: no caller reads it, and a stat of the folder cost every create ~0.5 ms.
    return { dataset: path, name, createdAt: new Date() };
  }

  async listSnapshots(dataset: string): Promise<SnapshotInfo[]> {
    const path = this.layout.dataset(dataset);
    // Two stats per snapshot, no subprocess, synchronous in batches (btrfs-snapshot-folders.ts): thousands stay fast.
    const folders = await readSnapshotFolders(this.layout.snapshotsDir(path), { createdAt: true });
    const found: (SnapshotInfo & { inode: number })[] = [];
    for (const { name, complete, createdAt, inode } of folders) {
      if (complete && createdAt !== undefined && inode !== undefined) found.push({ dataset: path, name, createdAt, inode });
    }
    found.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.inode - b.inode);
    return found.map(({ dataset: at, name, createdAt }) => ({ dataset: at, name, createdAt }));
  }

  async snapshotExists(dataset: string, name: string): Promise<boolean> {
    const path = this.layout.dataset(dataset);
    assertSnapshotName(name);
    return isSubvolume(this.layout.snapshotPath(path, name));
  }

  async destroySnapshot(dataset: string, name: string): Promise<void> {
    const snapshot = await this.existingSnapshot(dataset, name);
    const folder = this.layout.snapshotFolder(this.layout.dataset(dataset), name);
    // The dataset's snapshot goes first: from then on the snapshot is no longer listed, whatever follows.
    await this.btrfs.deleteSubvolume(snapshot);
    await this.nestedSnapshots.removeParts(folder);
    await rmdir(folder);
  }

  override async restoreSnapshot(dataset: string, name: string, options?: RestoreOptions): Promise<void> {
    const snapshot = await this.existingSnapshot(dataset, name);
    const path = await this.existingDataset(dataset);
    await restoreBySwap(this.restoreTools(), path, snapshot, options);
  }

  /** Subvolume ids are never reused while the subvolume they named still exists: a restore's copy gets a new one. */
  override async datasetIdentity(dataset: string): Promise<string> {
    return String(await this.btrfs.rootId(await this.existingDataset(dataset)));
  }

  override async recover(): Promise<RecoveryAction[]> {
    const actions = await recoverRestores(this.restoreTools());
    actions.push(...(await cleanLeftovers(this.layout, this.btrfs, this.nestedSnapshots)));
    actions.push(...(await this.replication.cleanLeftovers()));
    return actions;
  }

  async cloneSnapshot(dataset: string, name: string, target: string): Promise<void> {
    const targetPath = this.layout.dataset(target);
    const snapshot = await this.existingSnapshot(dataset, name);
    if (await isSubvolume(targetPath)) throw new AlreadyExistsError(`dataset ${targetPath} already exists`);
    await this.tree.refuseInsideDataset(targetPath);
    await this.nestedSnapshots.materialize(snapshot, targetPath, dirname(snapshot));
  }

  override async snapshotUsage(dataset: string, name: string): Promise<Usage> {
    return this.usage(await this.existingSnapshot(dataset, name));
  }

  override async datasetUsage(dataset: string): Promise<Usage> {
    return this.usage(await this.existingDataset(dataset));
  }

  async poolSpace(): Promise<PoolSpace> {
    const fs = await mapErrors(`pool ${this.layout.pool}`, () => statfs(this.layout.pool));
    return {
      totalBytes: fs.blocks * fs.bsize,
      usedBytes: (fs.blocks - fs.bfree) * fs.bsize,
      freeBytes: fs.bavail * fs.bsize,
    };
  }

  override async diff(dataset: string, from: string, to?: string, options: DiffOptions = {}): Promise<DiffEntry[]> {
    const fromPath = await this.existingSnapshot(dataset, from);
    if (to !== undefined) {
      const toPath = await this.existingSnapshot(dataset, to);
      return withStats(await this.changedPaths(fromPath, toPath, options), fromPath, toPath);
    }
    // send needs read-only subvolumes: freeze the live dataset for the moment of the diff.
    const path = await this.existingDataset(dataset);
    const folder = join(this.layout.tmpRoot(), `${this.layout.key(path)}.${randomBytes(6).toString('hex')}`);
    const live = join(folder, 'snapshot');
    await mapErrors(`diff ${path}`, () => ensureDir(folder));
    try {
      await this.btrfs.snapshot(path, live, true);
      return await withStats(await this.changedPaths(fromPath, live, options), fromPath, live);
    } finally {
      if (await isSubvolume(live)) await this.btrfs.deleteSubvolume(live);
      await rmdir(folder);
    }
  }

  /** The send stream's changes between two read-only subvolumes, stopped past `maxEntries`. */
  private async changedPaths(fromPath: string, toPath: string, { maxEntries = Infinity }: DiffOptions): Promise<DiffEntry[]> {
    const parser = new SendDumpParser();
    await this.btrfs.sendDump(fromPath, toPath, (line) => {
      parser.line(line);
      if (parser.size > maxEntries) throw new TooManyChangesError(maxEntries);
    });
    return parser.entries();
  }

  override send(dataset: string, snapshot: string, options?: SendOptions): Promise<SendStream> {
    return this.replication.send(dataset, snapshot, options);
  }

  override receive(stream: Readable, target: ReceiveTarget): Promise<void> {
    return this.replication.receive(stream, target);
  }

  override snapshotIdentity(dataset: string, snapshot: string): Promise<SnapshotIdentity> {
    return this.replication.identity(dataset, snapshot);
  }

  private async usage(path: string): Promise<Usage> {
    if (!this.quotas) return UNKNOWN_USAGE;
    await this.btrfs.sync(this.layout.pool);
    const id = await this.btrfs.rootId(path);
    let read = await this.btrfs.qgroup(path, id);
    if (read.inconsistent) {
      await this.btrfs.quotaRescan(this.layout.pool);
      read = await this.btrfs.qgroup(path, id);
    }
    return { exclusiveBytes: read.numbers?.exclusiveBytes ?? null, referencedBytes: read.numbers?.referencedBytes ?? null };
  }

  private async existingDataset(dataset: string): Promise<string> {
    const path = this.layout.dataset(dataset);
    if (!(await isSubvolume(path))) throw new NotFoundError(`dataset ${path} does not exist`);
    return path;
  }

  private async existingSnapshot(dataset: string, name: string): Promise<string> {
    const path = this.layout.dataset(dataset);
    assertSnapshotName(name);
    const snapshot = this.layout.snapshotPath(path, name);
    if (!(await isSubvolume(snapshot))) throw new NotFoundError(`snapshot ${name} of ${path} does not exist`);
    return snapshot;
  }

  private restoreTools(): RestoreTools {
    return {
      layout: this.layout,
      mountBases: () => {
        const poolMount = mountHolding(this.layout.pool);
        const inner = mountsUnder(this.layout.pool)
          .filter((m) => m.mountPoint !== this.layout.pool && m.source === poolMount?.source && m.fsType === 'btrfs')
          .map((m) => m.mountPoint);
        return [this.layout.pool, ...inner];
      },
      mountBaseOf: (path) => {
        const holder = mountHolding(path);
        const inside = holder !== undefined && holder.mountPoint.startsWith(`${this.layout.pool}/`);
        return inside ? holder.mountPoint : this.layout.pool;
      },
      // Restore reads whole snapshots: nested parts are put back into the copy before the swap.
      snapshotWritable: (source, target) => this.nestedSnapshots.materialize(source, target, dirname(source)),
      deleteTree: (path) => this.nested.deleteTree(path),
      exists: async (path) => (await lstat(path).catch(() => undefined)) !== undefined,
      sync: () => this.btrfs.sync(this.layout.pool),
      rootId: (path) => this.btrfs.rootId(path),
      exchange: async (a, b) => {
        try {
          await exchangePaths(this.runner, a, b);
          return true;
        } catch (error) {
          if (error instanceof ExchangeUnsupportedError) return false;
          throw toStorageError(error, `exchange ${a} and ${b}`);
        }
      },
      crashCheckpoint: this.crashCheckpoint,
    };
  }

}
