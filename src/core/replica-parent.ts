/**
 * Which stream is incremental (design.md §8): a filesystem is sent relative to the container's previous
 * replicated snapshot when that replica is in the remote (its manifest exists and carries the same
 * filesystem), the parent snapshot is still on the local pool, and the driver can send incrementally.
 * Everything else is sent full. Decided per filesystem: a bind mount added since the parent goes full.
 */
import type { DriverCapabilities } from '../../storage-drivers/driver.js';
import type { CapturedFilesystem, SnapshotRecord } from './model.js';
import type { StorePort } from './ports.js';
import type { RemotePort, ReplicaManifest } from './remote-port.js';
import type { ReplicaStorePort } from './replica.js';

export interface StreamPlan {
  readonly index: number;
  readonly filesystem: CapturedFilesystem;
  /** The local snapshot this stream is incremental to, or null for a full stream. */
  readonly parent: SnapshotRecord | null;
}

export interface ReplicaPlan {
  /** The parent snapshot when at least one stream is incremental. */
  readonly parent: SnapshotRecord | null;
  readonly streams: StreamPlan[];
}

export interface ParentPlannerDeps {
  readonly store: Pick<StorePort, 'getSnapshot'>;
  readonly replicas: Pick<ReplicaStorePort, 'listReplicasOfContainer'>;
  readonly capabilities: (poolId: string) => DriverCapabilities | undefined;
}

/** How many older replicas are tried when the newest one's manifest has gone from the bucket. */
const CANDIDATES_TRIED = 5;

export async function planReplica(deps: ParentPlannerDeps, remote: Pick<RemotePort, 'id' | 'getManifest'>, snapshot: SnapshotRecord): Promise<ReplicaPlan> {
  const found = await findParent(deps, remote, snapshot);
  const streams = snapshot.filesystems.map((filesystem, index) => ({
    index,
    filesystem,
    parent: found !== undefined && canSendIncrementally(deps, filesystem, found.snapshot, found.manifest) ? found.snapshot : null,
  }));
  const parent = streams.some((stream) => stream.parent !== null) ? (found?.snapshot ?? null) : null;
  return { parent, streams };
}

async function findParent(
  deps: ParentPlannerDeps,
  remote: Pick<RemotePort, 'id' | 'getManifest'>,
  snapshot: SnapshotRecord,
): Promise<{ snapshot: SnapshotRecord; manifest: ReplicaManifest } | undefined> {
  const older = deps.replicas
    .listReplicasOfContainer(snapshot.containerId, remote.id)
    .filter((replica) => replica.state === 'ready' && replica.snapshotName !== snapshot.name)
    .map((replica) => deps.store.getSnapshot(replica.snapshotId))
    .filter((local): local is SnapshotRecord => local?.state === 'ready' && local.containerId === snapshot.containerId && isOlder(local, snapshot))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id);
  for (const candidate of older.slice(0, CANDIDATES_TRIED)) {
    const manifest = await remote.getManifest(candidate.containerId, candidate.name);
    if (manifest !== undefined) return { snapshot: candidate, manifest };
  }
  return undefined;
}

function isOlder(candidate: SnapshotRecord, snapshot: SnapshotRecord): boolean {
  const delta = candidate.createdAt.getTime() - snapshot.createdAt.getTime();
  return delta < 0 || (delta === 0 && candidate.id < snapshot.id);
}

function canSendIncrementally(deps: ParentPlannerDeps, filesystem: CapturedFilesystem, parent: SnapshotRecord, manifest: ReplicaManifest): boolean {
  if (deps.capabilities(filesystem.pool)?.incrementalSend !== true) return false;
  const local = parent.filesystems.some(
    (fs) => fs.pool === filesystem.pool && fs.dataset === filesystem.dataset && fs.driver === filesystem.driver && fs.mountPoint === filesystem.mountPoint,
  );
  const remote = manifest.filesystems.some((fs) => fs.mountPoint === filesystem.mountPoint && fs.role === filesystem.role && fs.driver === filesystem.driver);
  return local && remote;
}
