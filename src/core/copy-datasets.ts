/**
 * Copy datasets (`cowsnap-copy-<name>-<n>`, one per pool mount of a copied container) hold the copy's data,
 * so `docker rm` of the copy leaves them. They are listed here with who uses them, and reclaimed only by an
 * explicit request, under one rule: no container Docker knows (running or stopped) bind-mounts it, and no
 * snapshot record has a filesystem on it. Never reclaimed silently.
 */
import { basename } from 'node:path';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import type { PoolRegistry } from './pool-registry.js';
import type { RuntimePort, StorePort } from './ports.js';

const COPY_PREFIX = 'cowsnap-copy-';

export interface CopyDataset {
  readonly pool: string;
  /** The dataset's own name below the pool root (no host path). */
  readonly name: string;
  /** Names of the containers that bind-mount it; empty: nothing uses it. */
  readonly usedBy: string[];
  /** Snapshot names (container/snapshot) with a filesystem on it. */
  readonly snapshots: string[];
  readonly reclaimable: boolean;
}

export interface CopyDatasetDeps {
  readonly pools: Pick<PoolRegistry, 'pools' | 'driverFor'>;
  readonly runtime: Pick<RuntimePort, 'listContainers'>;
  readonly store: Pick<StorePort, 'listAllSnapshots'>;
}

export async function listCopyDatasets(deps: CopyDatasetDeps): Promise<CopyDataset[]> {
  const containers = await deps.runtime.listContainers();
  const records = deps.store.listAllSnapshots();
  const found: CopyDataset[] = [];
  for (const pool of deps.pools.pools) {
    const datasets = (await pool.driver.listDatasets()).filter((d) => basename(d).startsWith(COPY_PREFIX) && pool.driver.childDataset(basename(d)) === d);
    if (datasets.length === 0) continue;
    const users = new Map<string, string[]>();
    for (const container of containers) {
      for (const mount of container.config.mounts) {
        if (mount.type !== 'bind' || mount.source === '') continue;
        const dataset = await pool.driver.datasetForPath(mount.source).catch(() => undefined);
        if (dataset !== undefined) users.set(dataset, [...(users.get(dataset) ?? []), container.name.replace(/^\//, '')]);
      }
    }
    for (const dataset of datasets) {
      const usedBy = users.get(dataset) ?? [];
      const snapshots = records
        .filter((s) => s.filesystems.some((fs) => fs.pool === pool.id && fs.dataset === dataset))
        .map((s) => `${s.containerName}/${s.name}`);
      found.push({ pool: pool.id, name: basename(dataset), usedBy, snapshots, reclaimable: usedBy.length === 0 && snapshots.length === 0 });
    }
  }
  return found;
}

/** Destroys one copy dataset if the rule allows it: 404 unknown, 409 in use (naming the users). */
export async function reclaimCopyDataset(deps: CopyDatasetDeps, poolId: string, name: string): Promise<CopyDataset> {
  const driver = deps.pools.driverFor({ pool: poolId });
  const entry = (await listCopyDatasets(deps)).find((d) => d.pool === poolId && d.name === name);
  if (entry === undefined) throw new NotFoundError('copy_dataset_not_found', `Pool "${poolId}" has no copy dataset "${name}".`);
  if (entry.usedBy.length > 0) {
    throw new ConflictError('copy_dataset_in_use', `Copy dataset "${name}" is bind-mounted by ${entry.usedBy.join(', ')}; remove those containers first.`);
  }
  if (entry.snapshots.length > 0) {
    throw new ConflictError('copy_dataset_in_use', `Copy dataset "${name}" holds snapshots ${entry.snapshots.join(', ')}; delete them first.`);
  }
  await driver.destroyDataset(driver.childDataset(name));
  return entry;
}
