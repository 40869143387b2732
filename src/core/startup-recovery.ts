import type { RecoveryAction } from '../../storage-drivers/driver.js';
import type { JournalEntry } from './model.js';
import type { PoolRegistry, PoolStatus } from './pool-registry.js';
import type { RuntimePort, StorePort } from './ports.js';
import { thawAfterCrash } from './quiesce-journal.js';
import type { RestoreService } from './restore-service.js';
import type { SnapshotDeleter } from './snapshot-deleter.js';
import { storageSnapshotName } from './snapshot-naming.js';

export interface StartupReport {
  /** Every pool configured or recorded: available, or why not (the service runs without the others). */
  readonly pools: (PoolStatus & { configured: boolean })[];
  readonly storage: (RecoveryAction & { pool: string })[];
  readonly operations: string[];
  /** Records whose storage is missing on some filesystem. */
  readonly recordsWithoutStorage: { container: string; snapshot: string; dataset: string }[];
  /** cowsnap snapshots on disk that no record knows. */
  readonly storageWithoutRecord: { pool: string; dataset: string; snapshot: string }[];
}

const COWSNAP_STORAGE_NAME = /\.cs(\d+)$/;

/**
 * Runs once before the API opens: drivers finish or undo interrupted swaps, journal rows left
 * `running` by a crash are finished or cleaned up, then records and storage are compared and every
 * mismatch is reported (never silently "fixed" by deleting data).
 */
export async function recoverAtStartup(deps: {
  store: Pick<StorePort, 'listUnfinishedOperations' | 'getSnapshot' | 'deleteSnapshotRecord' | 'finishOperation' | 'listAllSnapshots'>;
  pools: PoolRegistry;
  /** Thaws a container an interrupted snapshot left paused or stopped. */
  runtime: Pick<RuntimePort, 'unpause' | 'start'>;
  restorer: RestoreService;
  deleter: SnapshotDeleter;
  /** Removes a half-made container (a copy interrupted by a crash). */
  removeContainer: (id: string) => Promise<void>;
}): Promise<StartupReport> {
  const { store, pools } = deps;
  const storage: StartupReport['storage'] = [];
  for (const pool of pools.pools) {
    try {
      for (const action of await pool.driver.recover()) storage.push({ ...action, pool: pool.id });
    } catch (error) {
      // One pool failing its recovery must not keep the others down: it waits, unavailable, for refresh().
      pools.markUnavailable(pool.id, error);
    }
  }

  const operations: string[] = [];
  // An operation on a pool that is down stays `running`; a start with the pool back finishes it.
  const [deferred, resumable] = splitByPoolAvailability(store.listUnfinishedOperations(), store, pools);
  for (const entry of deferred) {
    // The container itself needs no pool: one a snapshot left paused or stopped is thawed now.
    const thawed = entry.kind === 'create' ? await thawAfterCrash(entry, deps.runtime) : undefined;
    if (thawed !== undefined) operations.push(thawed);
    operations.push(`deferred ${entry.kind} ${String(entry.snapshotName)} of ${entry.containerId.slice(0, 12)}: its pool is unavailable`);
  }
  for (const entry of resumable) {
    const snapshotId = typeof entry.payload.snapshotId === 'number' ? entry.payload.snapshotId : undefined;
    const snapshot = snapshotId !== undefined ? store.getSnapshot(snapshotId) : undefined;
    if (entry.kind === 'restore') {
      operations.push(await deps.restorer.resume(entry));
    } else if (entry.kind === 'create') {
      const thawed = await thawAfterCrash(entry, deps.runtime);
      if (thawed !== undefined) operations.push(thawed);
      // A half-made snapshot: remove whatever storage it got, and its record.
      if (snapshot !== undefined && snapshot.state === 'creating') {
        for (const filesystem of snapshot.filesystems) {
          await pools
            .driverFor(filesystem)
            .destroySnapshot(filesystem.dataset, storageSnapshotName(snapshot.id, snapshot.name))
            .catch(() => undefined);
        }
        store.deleteSnapshotRecord(snapshot.id);
      }
      store.finishOperation(entry.id, 'failed', 'interrupted by a restart; the half-made snapshot was removed');
      operations.push(`removed half-made snapshot ${String(entry.snapshotName)} of ${entry.containerId.slice(0, 12)}`);
    } else if (entry.kind === 'delete') {
      if (snapshot !== undefined) await deps.deleter.delete(snapshot).catch(() => undefined);
      store.finishOperation(entry.id, 'done');
      operations.push(`finished deleting ${String(entry.snapshotName)} of ${entry.containerId.slice(0, 12)}`);
    } else {
      operations.push(await undoCopy(entry.payload, deps));
      store.finishOperation(entry.id, 'failed', 'interrupted by a restart; the half-made copy was removed');
    }
  }

  const recordsWithoutStorage: StartupReport['recordsWithoutStorage'] = [];
  const storageWithoutRecord: StartupReport['storageWithoutRecord'] = [];
  const snapshots = store.listAllSnapshots();
  const knownIds = new Set(snapshots.map((s) => s.id));
  const datasets = new Map<string, { pool: string; dataset: string }>();
  const unreachable = new Map<string, number>();
  for (const snapshot of snapshots) {
    for (const filesystem of snapshot.filesystems) {
      if (!pools.isAvailable(filesystem.pool)) {
        // Not "records without storage": the storage may be fine on a pool we cannot see now.
        unreachable.set(filesystem.pool, (unreachable.get(filesystem.pool) ?? 0) + 1);
        continue;
      }
      datasets.set(`${filesystem.pool}\u0000${filesystem.dataset}`, { pool: filesystem.pool, dataset: filesystem.dataset });
      if (snapshot.state !== 'ready') continue;
      const driver = pools.driverFor(filesystem);
      const exists = await driver.snapshotExists(filesystem.dataset, storageSnapshotName(snapshot.id, snapshot.name)).catch(() => false);
      if (!exists) recordsWithoutStorage.push({ container: snapshot.containerName, snapshot: snapshot.name, dataset: filesystem.dataset });
    }
  }
  for (const { pool, dataset } of datasets.values()) {
    const driver = pools.driverFor({ pool });
    if (!(await driver.datasetExists(dataset).catch(() => false))) continue;
    for (const info of await driver.listSnapshots(dataset).catch(() => [])) {
      const id = COWSNAP_STORAGE_NAME.exec(info.name)?.[1];
      if (id !== undefined && !knownIds.has(Number(id))) storageWithoutRecord.push({ pool, dataset, snapshot: info.name });
    }
  }
  const statuses = pools.statuses().map((status) => ({ ...status, configured: true }));
  for (const id of unreachable.keys()) {
    if (!pools.isConfigured(id)) statuses.push({ id, available: false, reason: 'recorded by snapshots but not configured (any more)', configured: false });
  }
  return { pools: statuses, storage, operations, recordsWithoutStorage, storageWithoutRecord };
}

/** Entries whose filesystems (snapshot, payload, clones) are all on available pools, and the others. */
function splitByPoolAvailability(
  entries: readonly JournalEntry[],
  store: Pick<StorePort, 'getSnapshot'>,
  pools: Pick<PoolRegistry, 'isAvailable'>,
): [JournalEntry[], JournalEntry[]] {
  const deferred: JournalEntry[] = [];
  const resumable: JournalEntry[] = [];
  for (const entry of entries) {
    const touched = new Set<string>();
    const snapshotId = entry.payload.snapshotId;
    if (typeof snapshotId === 'number') for (const fs of store.getSnapshot(snapshotId)?.filesystems ?? []) touched.add(fs.pool);
    for (const key of ['filesystems', 'clones']) {
      const list = entry.payload[key];
      if (!Array.isArray(list)) continue;
      for (const item of list as unknown[]) {
        const pool = (item as { pool?: unknown } | null)?.pool;
        if (typeof pool === 'string') touched.add(pool);
      }
    }
    ([...touched].every((pool) => pools.isAvailable(pool)) ? resumable : deferred).push(entry);
  }
  return [deferred, resumable];
}

/** A copy a crash interrupted: its container and cloned datasets go, as a failed copy's reverter would have done. */
async function undoCopy(
  payload: Record<string, unknown>,
  deps: { pools: PoolRegistry; removeContainer: (id: string) => Promise<void> },
): Promise<string> {
  const removed: string[] = [];
  if (typeof payload.containerId === 'string') {
    await deps.removeContainer(payload.containerId).catch(() => undefined);
    removed.push(`container ${payload.containerId.slice(0, 12)}`);
  }
  const clones = Array.isArray(payload.clones) ? (payload.clones as { pool: string; dataset: string }[]) : [];
  for (const clone of clones) {
    await deps.pools.driverFor(clone).destroyDataset(clone.dataset).catch(() => undefined);
    removed.push(clone.dataset);
  }
  return `removed the half-made copy ${String(payload.target)}${removed.length > 0 ? ` (${removed.join(', ')})` : ''}`;
}
