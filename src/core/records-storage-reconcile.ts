import type { PoolRegistry } from './pool-registry.js';
import type { StorePort } from './ports.js';
import { storageSnapshotName } from './storage-snapshot-name.js';

export interface ReconcileReport {
  /** Records whose storage is missing on some filesystem. */
  readonly recordsWithoutStorage: { container: string; snapshot: string; dataset: string }[];
  /** cowsnap snapshots on disk that no record knows. */
  readonly storageWithoutRecord: { pool: string; dataset: string; snapshot: string }[];
  /** Pools recorded by snapshots that cannot be looked at now → how many snapshot filesystems they hold. */
  readonly unreachable: Map<string, number>;
}

const COWSNAP_STORAGE_NAME = /\.cs(\d+)$/;

/**
 * Compares the records with what is on disk, reporting every mismatch (never "fixing" one by deleting
 * data). One snapshot listing per dataset, whatever the number of snapshots: a per-snapshot lookup costs
 * several storage commands each (zfs: lineages, dataset, snapshot) and made every start-up slower with
 * every snapshot kept. Every record is looked at once, from one lean query (ids, names, states, datasets):
 * building each as a full record cost ~0.2 s at 10,000.
 */
export async function reconcileRecordsAndStorage(
  store: Pick<StorePort, 'listRecordedStorage'>,
  pools: Pick<PoolRegistry, 'isAvailable' | 'driverFor'>,
): Promise<ReconcileReport> {
  const rows = store.listRecordedStorage();
  const knownIds = new Set(rows.map((row) => row.id));
  const datasets = new Map<string, { pool: string; dataset: string }>();
  const unreachable = new Map<string, number>();
  for (const { pool, dataset } of rows) {
    if (pool === null || dataset === null) continue;
    if (!pools.isAvailable(pool)) {
      // Not "records without storage": the storage may be fine on a pool we cannot see now.
      unreachable.set(pool, (unreachable.get(pool) ?? 0) + 1);
      continue;
    }
    datasets.set(datasetKey(pool, dataset), { pool, dataset });
  }

  // dataset key → names of the snapshots on disk (a listing that fails counts as empty: reported, not hidden).
  const onDisk = new Map<string, Set<string>>();
  const storageWithoutRecord: ReconcileReport['storageWithoutRecord'] = [];
  for (const [key, { pool, dataset }] of datasets) {
    const listed = await pools.driverFor({ pool }).listSnapshots(dataset).catch(() => []);
    onDisk.set(key, new Set(listed.map((info) => info.name)));
    for (const info of listed) {
      const id = COWSNAP_STORAGE_NAME.exec(info.name)?.[1];
      if (id !== undefined && !knownIds.has(Number(id))) storageWithoutRecord.push({ pool, dataset, snapshot: info.name });
    }
  }

  const recordsWithoutStorage: ReconcileReport['recordsWithoutStorage'] = [];
  for (const row of rows) {
    if (row.state !== 'ready' || row.pool === null || row.dataset === null) continue;
    const names = onDisk.get(datasetKey(row.pool, row.dataset));
    if (names === undefined || names.has(storageSnapshotName(row.id, row.name))) continue;
    recordsWithoutStorage.push({ container: row.containerName, snapshot: row.name, dataset: row.dataset });
  }
  return { recordsWithoutStorage, storageWithoutRecord, unreachable };
}

function datasetKey(pool: string, dataset: string): string {
  return `${pool}\u0000${dataset}`;
}
