/**
 * This host's replicas of one container, from its replica records (the index the remote reaper works
 * from): state, remote expiry, and `why` an expired one is still kept. Includes replicas whose local
 * snapshot is gone. What other hosts pushed is listed by GET /remotes/:remote/snapshots (the bucket).
 */
import type { ContainerResolver } from './container-resolver.js';
import type { ContainerRecord } from './model.js';
import type { RemoteRegistry } from './remote-registry.js';
import type { ReplicaRecord, ReplicaStorePort } from './replica.js';

export interface ContainerReplicas {
  readonly container: ContainerRecord;
  /** Newest first (by when the upload started), then by remote. */
  readonly replicas: ReplicaRecord[];
}

export class ReplicaListing {
  constructor(
    private readonly deps: {
      readonly resolver: Pick<ContainerResolver, 'resolve'>;
      readonly replicas: Pick<ReplicaStorePort, 'listReplicasOfContainer'>;
      readonly remotes: RemoteRegistry;
    },
  ) {}

  async list(containerRef: string, remoteId?: string): Promise<ContainerReplicas> {
    // An unknown remote is a 404 naming the configured ones, not an empty list.
    const remotes = remoteId === undefined ? this.deps.remotes.remotes.map((remote) => remote.id) : [this.deps.remotes.get(remoteId).id];
    const { record } = await this.deps.resolver.resolve(containerRef);
    const replicas = remotes
      .flatMap((id) => this.deps.replicas.listReplicasOfContainer(record.id, id))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.snapshotName.localeCompare(a.snapshotName) || a.remoteId.localeCompare(b.remoteId));
    return { container: record, replicas };
  }
}
