/**
 * What is in a remote, read from the bucket's manifests (design.md §8: the bucket is the shared catalog),
 * so it also lists what other hosts pushed. Manifests that fail validation are reported, never trusted.
 */
import type { StorePort } from './ports.js';
import { askRemote } from './remote-call.js';
import type { InvalidManifest, ReplicaManifest } from './remote-port.js';
import type { RemoteRegistry } from './remote-registry.js';

export interface RemoteSnapshotsQuery {
  /** A container id, or an id prefix or name this host knows; absent: every container in the remote. */
  readonly container?: string;
  readonly limit: number;
  readonly offset: number;
  /**
   * Which containers' replicas the caller may see (a project's key: its project's containers), valid or
   * not; applied before the page is cut, so a page is full whenever there are more to show.
   */
  readonly visible?: (containerId: string) => boolean;
}

export interface RemoteSnapshotsPage {
  readonly remoteId: string;
  /** Ordered by container id, then snapshot name (oldest first). */
  readonly manifests: ReplicaManifest[];
  readonly invalid: InvalidManifest[];
  /** True when there are more after this page. */
  readonly hasMore: boolean;
}

const PAGE = 500;

export class RemoteCatalog {
  constructor(
    private readonly deps: {
      readonly remotes: RemoteRegistry;
      readonly store: Pick<StorePort, 'findContainers'>;
    },
  ) {}

  listRemotes(): { id: string }[] {
    return this.deps.remotes.remotes.map((remote) => ({ id: remote.id }));
  }

  async listSnapshots(remoteId: string, query: RemoteSnapshotsQuery): Promise<RemoteSnapshotsPage> {
    const remote = this.deps.remotes.get(remoteId);
    const containerId = query.container === undefined ? undefined : this.containerIdOf(query.container);
    const wanted = query.offset + query.limit + 1;
    const manifests: ReplicaManifest[] = [];
    const invalid: InvalidManifest[] = [];
    const visible = query.visible ?? ((): boolean => true);
    let cursor: string | undefined;
    // The port pages with a cursor; the API with offset/limit: read pages until the window is covered.
    do {
      const pageQuery = { limit: PAGE, ...(containerId !== undefined && { containerId }), ...(cursor !== undefined && { cursor }) };
      const page = await askRemote(remote.id, 'list its replicas', () => remote.listManifests(pageQuery));
      manifests.push(...page.manifests.filter((manifest) => visible(manifest.containerId)));
      invalid.push(...(page.invalid ?? []).filter((entry) => visible(entry.containerId)));
      cursor = page.nextCursor;
    } while (cursor !== undefined && manifests.length < wanted);
    const window = manifests.slice(query.offset, query.offset + query.limit);
    return { remoteId: remote.id, manifests: window, invalid, hasMore: manifests.length > query.offset + query.limit || cursor !== undefined };
  }

  /** A name or prefix this host knows becomes its id; anything else is taken as an id (another host's container). */
  private containerIdOf(ref: string): string {
    const known = [...this.deps.store.findContainers(ref)].sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
    return known[0]?.id ?? ref;
  }
}
