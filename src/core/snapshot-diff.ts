/**
 * What changed between a snapshot and a later snapshot, or the container's current state: files added,
 * modified, deleted and renamed in every captured filesystem (the drivers' `diff`: btrfs send --no-data,
 * zfs diff or a tree compare on zfs-fuse), paths as the container sees them, paged; and the config diff.
 */
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { TooManyChangesError } from '../../storage-drivers/common/errors.js';
import type { DiffChange, DiffEntry, DiffFileType } from '../../storage-drivers/driver.js';
import { diffConfig, type ConfigDiff } from './config-diff.js';
import { BoundedQueue } from './bounded-queue.js';
import type { ContainerLocks } from './container-lock.js';
import type { ContainerResolver } from './container-resolver.js';
import type { CapturedFilesystem, ContainerRecord, SnapshotRecord } from './model.js';
import type { PoolRegistry } from './pool-registry.js';
import type { StorePort } from './ports.js';
import { storageSnapshotName } from './storage-snapshot-name.js';
import { mapStorageError } from './storage-error-mapping.js';

export interface FileChange {
  /** As the container sees it: the mount point joined with the path inside the filesystem. */
  readonly path: string;
  readonly change: DiffChange;
  readonly from: string | null;
  readonly type: DiffFileType | null;
  readonly sizeBefore: number | null;
  readonly sizeAfter: number | null;
}

export interface FilesystemCompared {
  readonly role: CapturedFilesystem['role'];
  readonly mountPoint: string;
  readonly compared: boolean;
  /** Why a filesystem was not compared. */
  readonly reason: string | null;
}

export interface SnapshotDiffResult {
  readonly container: ContainerRecord;
  readonly from: SnapshotRecord;
  /** Whose `to` it is: the same container unless another was named. */
  readonly toContainer: ContainerRecord;
  /** The later snapshot, or null for the current state. */
  readonly to: SnapshotRecord | null;
  readonly files: readonly FileChange[];
  readonly total: number;
  readonly summary: Readonly<Record<DiffChange, number>>;
  readonly filesystems: readonly FilesystemCompared[];
  readonly config: ConfigDiff;
}

export interface SnapshotDiffDeps {
  readonly store: Pick<StorePort, 'resolveSnapshot'>;
  readonly resolver: Pick<ContainerResolver, 'resolve'>;
  readonly locks: Pick<ContainerLocks, 'runShared'>;
  readonly pools: Pick<PoolRegistry, 'driverFor'>;
}

/** Changed paths one diff may list by default (`diffMaxChanges`): each costs ~200 bytes while it is paged. */
export const DEFAULT_DIFF_MAX_CHANGES = 100_000;

/** Comparisons at once: with the limit above, what diffs hold in memory is bounded for the whole service. */
export const DIFF_CONCURRENCY = 2;

export class SnapshotDiffService {
  private readonly comparisons = new BoundedQueue(DIFF_CONCURRENCY);

  constructor(
    private readonly deps: SnapshotDiffDeps,
    private readonly maxChanges = DEFAULT_DIFF_MAX_CHANGES,
  ) {}

  /**
   * `toRef` is a snapshot name or alias, or `current`; of `toContainerRef` when given (e.g. a template's
   * snapshot against a copy's: the configuration compares, files compare where both hold the same dataset).
   */
  async diff(
    containerRef: string,
    fromRef: string,
    toRef: string,
    page: { limit: number; offset: number },
    toContainerRef?: string,
  ): Promise<SnapshotDiffResult> {
    const container = await this.deps.resolver.resolve(containerRef);
    const other = toContainerRef === undefined ? container : await this.deps.resolver.resolve(toContainerRef);
    const sameContainer = other.record.id === container.record.id;
    const from = this.ready(container.record, fromRef);
    const to = toRef === 'current' ? null : this.ready(other.record, toRef);
    const live = other.live;
    if (to === null && live === undefined) {
      throw new NotFoundError('container_not_found', `Container ${other.record.name} was removed from Docker: compare two of its snapshots instead of "current".`);
    }
    // At most DIFF_CONCURRENCY comparisons hold their lists at once, whatever the number of callers (a queued
    // one holds no lock). Shared with copies and snapshots, never alongside a restore that swaps the filesystems.
    return this.comparisons.run(() => this.deps.locks.runShared(container.record.id, 'diff', async () => {
      const changes: FileChange[] = [];
      const filesystems: FilesystemCompared[] = [];
      for (const filesystem of from.filesystems) {
        const reason = to === null && !sameContainer ? "another container's current state: compare with one of its snapshots" : this.notComparable(filesystem, to);
        filesystems.push({ role: filesystem.role, mountPoint: filesystem.mountPoint, compared: reason === null, reason });
        if (reason !== null) continue;
        const driver = this.deps.pools.driverFor(filesystem);
        // The budget is for the whole diff: each filesystem gets what the ones before it left.
        const maxEntries = this.maxChanges - changes.length;
        const entries = await driver
          .diff(filesystem.dataset, storageSnapshotName(from.id, from.name), to === null ? undefined : storageSnapshotName(to.id, to.name), { maxEntries })
          .catch((error: unknown) => {
            if (error instanceof TooManyChangesError) throw this.tooLarge(from, to, error);
            throw mapStorageError(error, `Diff of ${filesystem.mountPoint} from ${from.name}`);
          });
        for (const entry of entries) changes.push(asFileChange(filesystem.mountPoint, entry));
      }
      changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      const summary: Record<DiffChange, number> = { added: 0, modified: 0, deleted: 0, renamed: 0 };
      for (const change of changes) summary[change.change] += 1;
      const after = to === null ? live?.config : to.config;
      return {
        container: container.record,
        toContainer: other.record,
        from,
        to,
        files: changes.slice(page.offset, page.offset + page.limit),
        total: changes.length,
        summary,
        filesystems,
        config: diffConfig(from.config, after ?? from.config),
      };
    }));
  }

  private tooLarge(from: SnapshotRecord, to: SnapshotRecord | null, cause: TooManyChangesError): ConflictError {
    const limit = String(this.maxChanges);
    return new ConflictError(
      'diff_too_large',
      `More than ${limit} paths changed between ${from.name} and ${to?.name ?? 'the current state'}: too many to list (diffMaxChanges in the configuration). Compare snapshots closer together.`,
      { cause },
    );
  }

  private ready(container: ContainerRecord, ref: string): SnapshotRecord {
    const snapshot = this.deps.store.resolveSnapshot(container.id, ref);
    if (snapshot === undefined) throw new NotFoundError('snapshot_not_found', `Container ${container.name} has no snapshot named or aliased "${ref}".`);
    if (snapshot.state !== 'ready') throw new ConflictError('snapshot_not_ready', `Snapshot ${snapshot.name} is ${snapshot.state}; only ready snapshots can be compared.`);
    return snapshot;
  }

  private notComparable(filesystem: CapturedFilesystem, to: SnapshotRecord | null): string | null {
    if (to !== null && !to.filesystems.some((f) => f.pool === filesystem.pool && f.dataset === filesystem.dataset)) {
      return `${to.name} holds no snapshot of this filesystem`;
    }
    if (this.deps.pools.driverFor(filesystem).info().capabilities.diff === 'none') return 'the storage driver cannot compare snapshots';
    return null;
  }
}

function asFileChange(mountPoint: string, entry: DiffEntry): FileChange {
  const prefix = mountPoint === '/' ? '' : mountPoint.replace(/\/+$/, '');
  return {
    path: prefix + entry.path,
    change: entry.change,
    from: entry.from === undefined ? null : prefix + entry.from,
    type: entry.type ?? null,
    sizeBefore: entry.sizeBefore ?? null,
    sizeAfter: entry.sizeAfter ?? null,
  };
}
