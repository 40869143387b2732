/**
 * Which replicas a download needs (design.md §8): the wanted replica and, walking its streams' parents
 * back, every ancestor until one the local pool already has (same name, and each filesystem's snapshot
 * identity matches the stream's) or a replica whose streams are all full. What the pool has is not
 * downloaded again.
 */
import { ConflictError } from '../errors/conflict-error.js';
import { askRemote } from './remote-call.js';
import type { RemotePort, ReplicaManifest } from './remote-port.js';

/** What the local pool holds of one replica. */
export type LocalPresence =
  /** Every filesystem is there with the replica's identity: nothing to download. */
  | { readonly kind: 'present' }
  /** Not on this host (or only a record whose storage is gone, which the download replaces). */
  | { readonly kind: 'absent' }
  /** A local snapshot of that name exists with other data: refused, never overwritten. */
  | { readonly kind: 'different'; readonly why: string };

export interface ChainPlan {
  /** Oldest first: what to download and receive, the wanted replica last (empty when it is present). */
  readonly download: ReplicaManifest[];
  /** The newest ancestor already on the pool, which the first download is incremental to; null if none. */
  readonly base: ReplicaManifest | null;
  /** Plain bytes of every stream to download. */
  readonly bytes: number;
}

/** A chain longer than this is a loop in bad manifests, not a real history. */
const MAX_CHAIN = 10_000;

export async function planChain(
  remote: Pick<RemotePort, 'id' | 'getManifest'>,
  wanted: ReplicaManifest,
  presence: (manifest: ReplicaManifest) => Promise<LocalPresence>,
): Promise<ChainPlan> {
  const download: ReplicaManifest[] = [];
  const seen = new Set<string>();
  let current: ReplicaManifest = wanted;
  let base: ReplicaManifest | null = null;
  for (;;) {
    const here = await presence(current);
    if (here.kind === 'different') throw new ConflictError('replica_mismatch', here.why);
    if (here.kind === 'present') {
      base = current;
      break;
    }
    download.unshift(current);
    seen.add(current.snapshotName);
    const parent = parentOf(current);
    if (parent === null) break;
    if (seen.has(parent) || download.length >= MAX_CHAIN) {
      throw new ConflictError('replica_chain_broken', `The replicas of container ${wanted.containerId} in remote ${remote.id} name each other as parents in a loop (at ${parent}).`);
    }
    const containerId = current.containerId;
    const next = await askRemote(remote.id, 'be read', () => remote.getManifest(containerId, parent));
    if (next === undefined) {
      throw new ConflictError(
        'replica_chain_broken',
        `Replica ${current.snapshotName} in remote ${remote.id} is incremental to ${parent}, which is neither in the remote nor on this host; it cannot be received.`,
      );
    }
    current = next;
  }
  const bytes = download.reduce((sum, manifest) => sum + manifest.filesystems.reduce((s, fs) => s + fs.stream.plainBytes, 0), 0);
  return { download, base, bytes };
}

/** The one snapshot a replica's incremental streams depend on, or null when all its streams are full. */
export function parentOf(manifest: ReplicaManifest): string | null {
  const parents = new Set(manifest.filesystems.flatMap((fs) => (fs.stream.parentSnapshot === null ? [] : [fs.stream.parentSnapshot])));
  if (parents.size > 1) {
    throw new ConflictError(
      'replica_chain_broken',
      `Replica ${manifest.snapshotName} has streams incremental to different snapshots (${[...parents].join(', ')}); cowsnap never writes that, so the manifest is not trusted.`,
    );
  }
  return [...parents][0] ?? null;
}
