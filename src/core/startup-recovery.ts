import type { RecoveryAction } from '../../storage-drivers/driver.js';
import type { JournalEntry, SnapshotRecord } from './model.js';
import type { PoolRegistry, PoolStatus } from './pool-registry.js';
import type { RuntimePort, StorePort } from './ports.js';
import { recoverPool, type ListRunning } from './pool-recovery.js';
import { thawAfterCrash } from './quiesce-journal.js';
import { reconcileRecordsAndStorage } from './records-storage-reconcile.js';
import type { RestoreService } from './restore-service.js';
import type { ContainerRestarter } from './container-restarter.js';
import type { SnapshotDeleter } from './snapshot-deleter.js';
import { storageSnapshotName } from './storage-snapshot-name.js';
import { RecoveryProgress, type RecoveryLog } from './startup-progress.js';

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

/**
 * Runs once before the API opens: drivers finish or undo interrupted swaps, journal rows left
 * `running` by a crash are finished or cleaned up, then records and storage are compared and every
 * mismatch is reported (never silently "fixed" by deleting data).
 */
export async function recoverAtStartup(deps: {
  store: Pick<StorePort, 'listUnfinishedOperations' | 'getSnapshot' | 'deleteSnapshotRecord' | 'finishOperation' | 'listCreatingSnapshots' | 'listRecordedStorage'>;
  pools: PoolRegistry;
  /** Thaws a container an interrupted snapshot left paused or stopped; stops and starts the holders of a dataset to mount it again. */
  runtime: Pick<RuntimePort, 'unpause' | 'start' | 'stop' | 'inspect'>;
  /** The running containers (to find those that bind-mount a dataset recovery must mount again). */
  listRunning: ListRunning;
  restorer: RestoreService;
  deleter: SnapshotDeleter;
  /** Removes a half-made container (a copy interrupted by a crash). */
  removeContainer: (id: string) => Promise<void>;
  /** Containers owed a start (Docker was away when cowsnap had to start them again): tried once more here. */
  restarter?: ContainerRestarter;
  /** One log line per finished item with its duration, a warning past the budget (startup-progress.ts). */
  log?: RecoveryLog;
  now?: () => number;
}): Promise<StartupReport> {
  const { store, pools } = deps;
  const progress = new RecoveryProgress(deps.log, deps.now);
  const storage: StartupReport['storage'] = [];
  const operations: string[] = [];
  for (const pool of pools.pools) {
    const recovered = await progress.step('pool storage', { pool: pool.id }, () => recoverPool(pool, { runtime: deps.runtime, listRunning: deps.listRunning, restarter: deps.restarter }));
    for (const action of recovered.actions) storage.push({ ...action, pool: pool.id });
    operations.push(...recovered.operations);
    // A pool whose recovery failed and that fails its probe too waits, unavailable, for refresh(); the others run.
    if (recovered.failure !== undefined) pools.markUnavailable(pool.id, recovered.failure);
  }

  // An operation on a pool that is down stays `running`; a start with the pool back finishes it.
  const [deferred, resumable] = splitByPoolAvailability(store.listUnfinishedOperations(), store, pools);
  for (const entry of deferred) {
    // The container itself needs no pool: one a snapshot left paused or stopped is thawed now.
    const thawed = entry.kind === 'create' ? await thawAfterCrash(entry, deps.runtime, deps.restarter) : undefined;
    if (thawed !== undefined) operations.push(thawed);
    operations.push(`deferred ${entry.kind} ${String(entry.snapshotName)} of ${entry.containerId.slice(0, 12)}: its pool is unavailable`);
  }
  for (const entry of resumable) {
    try {
      const what = { kind: entry.kind, snapshot: entry.snapshotName, container: entry.containerId.slice(0, 12) };
      operations.push(...(await progress.step('journal entry', what, () => resumeEntry(entry, deps))));
    } catch (error) {
      // One entry that cannot be finished must not keep the service (and every other container) down.
      const message = error instanceof Error ? error.message : String(error);
      operations.push(`could not finish ${entry.kind} ${String(entry.snapshotName)} of ${entry.containerId.slice(0, 12)}: ${message}`);
    }
  }
  operations.push(...(await progress.step('half-made records', {}, () => removeOrphanedHalfMade(deps, deferred))));
  const restarter = deps.restarter;
  if (restarter !== undefined) operations.push(...(await progress.step('owed starts', {}, () => restarter.retry())));

  const { recordsWithoutStorage, storageWithoutRecord, unreachable } = await progress.step('records against storage', {}, () => reconcileRecordsAndStorage(store, pools));
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

type RecoveryDeps = Parameters<typeof recoverAtStartup>[0];

/** Finishes or undoes one journal entry a crash left `running`; returns what it did. */
async function resumeEntry(entry: JournalEntry, deps: RecoveryDeps): Promise<string[]> {
  const { store } = deps;
  const operations: string[] = [];
  const snapshotId = typeof entry.payload.snapshotId === 'number' ? entry.payload.snapshotId : undefined;
  const snapshot = snapshotId !== undefined ? store.getSnapshot(snapshotId) : undefined;
  if (entry.kind === 'restore') {
    return [await deps.restorer.resume(entry)];
  } else if (entry.kind === 'create') {
    const thawed = await thawAfterCrash(entry, deps.runtime, deps.restarter);
    if (thawed !== undefined) operations.push(thawed);
    // A half-made snapshot: remove whatever storage it got, and its record.
    if (snapshot !== undefined && snapshot.state === 'creating') await removeHalfMade(snapshot, deps);
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
  return operations;
}

/**
 * A record still `creating` that no unfinished journal entry accounts for: the process died between
 * reserving the record and journaling its creation. Like a half-made snapshot the journal knows, its
 * storage (if any was made) and its record go; a record waiting for an unavailable pool stays.
 */
async function removeOrphanedHalfMade(deps: RecoveryDeps, deferred: readonly JournalEntry[]): Promise<string[]> {
  const { store, pools } = deps;
  const waiting = new Set(deferred.map((entry) => entry.payload.snapshotId));
  const done: string[] = [];
  for (const snapshot of store.listCreatingSnapshots()) {
    if (waiting.has(snapshot.id)) continue;
    if (!snapshot.filesystems.every((filesystem) => pools.isAvailable(filesystem.pool))) continue;
    await removeHalfMade(snapshot, deps);
    done.push(`removed half-made snapshot ${snapshot.name} of ${snapshot.containerName}: its creation was cut before it was journaled`);
  }
  return done;
}

/** Removes whatever storage a half-made snapshot got (none is fine), then its record. */
async function removeHalfMade(snapshot: SnapshotRecord, deps: Pick<RecoveryDeps, 'store' | 'pools'>): Promise<void> {
  for (const filesystem of snapshot.filesystems) {
    await deps.pools
      .driverFor(filesystem)
      .destroySnapshot(filesystem.dataset, storageSnapshotName(snapshot.id, snapshot.name))
      .catch(() => undefined);
  }
  deps.store.deleteSnapshotRecord(snapshot.id);
}
