/**
 * Copy from a remote, and disaster recovery (design.md §8): a new container on this host from a replica
 * any host pushed. The chain is downloaded into local snapshots under the source container's id (kept
 * afterwards unless the request gives them an `expiry`: the next copy of it is instant, and they are the
 * base of the next download), then the
 * normal copy runs (§3): recorded configuration, writable clones, the environment as recorded (the
 * manifest's sealed values opened with the remote's key). Recovery is a copy of a container's newest
 * replica under its old name.
 */
import type { Logger } from 'pino';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { BackgroundOperations } from './background-operations.js';
import { copyNameProblems } from './copy-name.js';
import type { CopyInput, CopyResult } from './copy-service.js';
import type { OperationKindName, OperationRecord, OperationStorePort } from './operations.js';
import { downloadThen } from './observed-download.js';
import { askRemote } from './remote-call.js';
import type { RemotePort, ReplicaManifest } from './remote-port.js';
import type { RemoteRegistry } from './remote-registry.js';
import { findReplica, type ReplicaDownloadObserver } from './remote-restore-service.js';
import type { ReplicaDownloader } from './replica-download.js';

export interface RemoteCopyDeps {
  readonly remotes: RemoteRegistry;
  readonly operations: OperationStorePort;
  readonly background: BackgroundOperations;
  readonly downloader: ReplicaDownloader;
  /** The normal copy (copy-service.ts). */
  readonly copy: (containerRef: string, input: CopyInput) => Promise<CopyResult>;
  readonly docker: {
    resolveContainer(ref: string): Promise<{ id: string } | undefined>;
    /** The image's id when this Docker has it (by id or by reference). */
    findImage(ref: string): Promise<{ id: string } | undefined>;
  };
  readonly logger: Logger;
  readonly observer?: ReplicaDownloadObserver;
}

/** What a copy from a remote and a recovery have in common. */
export interface NewContainerInput {
  readonly start?: boolean;
  /** Local expiry (days) of the snapshots the download records; absent: none. */
  readonly expiryDays?: number;
  /** The project the new container lands in (checked by the caller); absent: its source's. */
  readonly targetProject?: string;
}

export interface RemoteCopyInput extends NewContainerInput {
  readonly name: string;
}

export interface RecoverInput extends NewContainerInput {
  /** The lost container's id, id prefix or name, as the replicas recorded it. */
  readonly container: string;
  /** The new container's name; default the old name, or `<old>-recovered` when that is taken. */
  readonly name?: string;
}

export interface RemoteCopyStarted {
  readonly sourceContainerId: string;
  readonly sourceContainerName: string;
  readonly snapshotName: string;
  readonly remoteId: string;
  readonly name: string;
  readonly operation: OperationRecord;
}

const LISTING_PAGE = 500;

export class RemoteCopyService {
  /** Names of copies in progress: a second copy to the same name is refused before any download. */
  private readonly namesInProgress = new Set<string>();

  constructor(private readonly deps: RemoteCopyDeps) {}

  async copyFromRemote(remoteId: string, containerId: string, snapshotName: string, input: RemoteCopyInput): Promise<RemoteCopyStarted> {
    const problems = copyNameProblems(input.name);
    if (problems.length > 0) throw new ValidationError(problems);
    const remote = this.deps.remotes.get(remoteId);
    const manifest = await findReplica(remote, containerId, snapshotName, containerId);
    await this.assertNameFree(input.name);
    return this.start('replica.copy', remote, manifest, input.name, input);
  }

  async recover(remoteId: string, input: RecoverInput): Promise<RemoteCopyStarted> {
    if (input.name !== undefined) {
      const problems = copyNameProblems(input.name);
      if (problems.length > 0) throw new ValidationError(problems);
    }
    const remote = this.deps.remotes.get(remoteId);
    const manifest = await this.newestReplica(remote, input.container);
    let name = input.name;
    if (name === undefined) name = await this.freeName(manifest.containerName);
    else await this.assertNameFree(name);
    return this.start('replica.recover', remote, manifest, name, input);
  }

  private async start(
    kind: OperationKindName,
    remote: RemotePort,
    manifest: ReplicaManifest,
    name: string,
    { start = true, expiryDays, targetProject }: NewContainerInput,
  ): Promise<RemoteCopyStarted> {
    const image = await this.localImage(manifest);
    if (this.namesInProgress.has(name)) throw new ConflictError('name_taken', `Another copy to the name "${name}" is in progress.`);
    const operation = this.deps.operations.createOperation({ kind, containerId: manifest.containerId, snapshotName: manifest.snapshotName, target: name }, 'queued');
    // Released when the background work ends (below).
    this.namesInProgress.add(name);
    const label = kind === 'replica.copy' ? 'copy' : 'recover';
    const log = this.deps.logger.child({ operation: operation.id, kind, container: manifest.containerId, snapshot: manifest.snapshotName, remote: remote.id, name });
    log.info({ image: image.ref, imageIdMatches: image.sameId }, `${label} from remote started`);
    this.deps.background.start(operation.id, log, async ({ signal, progress }) => {
      try {
        await downloadThen(this.deps, { kind: label, remote, manifest, signal, progress, log, next: 'copying', expiryDays }, async () => {
          const copied = await this.deps.copy(manifest.containerId, {
            name,
            sourceSnapshot: manifest.snapshotName,
            start,
            image: image.ref,
            ...(targetProject !== undefined && { targetProject }),
          });
          log.info({ container: copied.container.id, state: copied.container.state, warnings: copied.warnings }, `${label} from remote done`);
        });
      } finally {
        this.namesInProgress.delete(name);
      }
    });
    const record = this.deps.operations.getOperation(operation.id) ?? operation;
    return {
      sourceContainerId: manifest.containerId,
      sourceContainerName: manifest.containerName,
      snapshotName: manifest.snapshotName,
      remoteId: remote.id,
      name,
      operation: record,
    };
  }

  /**
   * The image the copy is created from. The recorded image id when Docker has it; else the recorded
   * reference (another host's `docker import` or build of the same image has another id, and the copy's
   * rootfs is the snapshot's whole filesystem anyway); else 409 before anything is downloaded.
   */
  private async localImage(manifest: ReplicaManifest): Promise<{ ref: string; sameId: boolean }> {
    const { image, imageId } = manifest.config;
    if ((await this.deps.docker.findImage(imageId)) !== undefined) return { ref: imageId, sameId: true };
    const byName = await this.deps.docker.findImage(image);
    if (byName !== undefined) return { ref: image, sameId: byName.id === imageId };
    throw new ConflictError(
      'image_not_found',
      `The replica's container ran image ${image} (${imageId.slice(0, 19)}), which this host does not have; pull or load it, then try again. Nothing was downloaded.`,
    );
  }

  private async assertNameFree(name: string): Promise<void> {
    if (this.namesInProgress.has(name) || (await this.deps.docker.resolveContainer(name)) !== undefined) {
      throw new ConflictError('name_taken', `A container named "${name}" already exists.`);
    }
  }

  private async freeName(old: string): Promise<string> {
    for (let n = 1; ; n += 1) {
      const name = n === 1 ? old : n === 2 ? `${old}-recovered` : `${old}-recovered-${String(n - 1)}`;
      if (!this.namesInProgress.has(name) && (await this.deps.docker.resolveContainer(name)) === undefined) return name;
    }
  }

  /**
   * The newest replica of the container `ref` names: a full id reads its own prefix in the bucket; a
   * name or id prefix lists every manifest (a recovery is rare; the listing is paged). When several
   * containers had that name, the newest replica among them wins: that is the one last running.
   */
  private async newestReplica(remote: RemotePort, ref: string): Promise<ReplicaManifest> {
    const bare = ref.replace(/^\//, '');
    const fullId = /^[0-9a-f]{64}$/.test(bare);
    let newest: ReplicaManifest | undefined;
    let cursor: string | undefined;
    do {
      const query = { limit: LISTING_PAGE, ...(fullId && { containerId: bare }), ...(cursor !== undefined && { cursor }) };
      const page = await askRemote(remote.id, 'list its replicas', () => remote.listManifests(query));
      for (const manifest of page.manifests) {
        const matches = fullId ? manifest.containerId === bare : manifest.containerName === bare || (bare.length >= 4 && manifest.containerId.startsWith(bare));
        if (matches && (newest === undefined || isNewer(manifest, newest))) newest = manifest;
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    if (newest === undefined) throw new NotFoundError('replica_not_found', `Remote ${remote.id} has no replica of a container "${bare}".`);
    return newest;
  }
}

function isNewer(a: ReplicaManifest, b: ReplicaManifest): boolean {
  const delta = Date.parse(a.createdAt) - Date.parse(b.createdAt);
  return delta > 0 || (delta === 0 && a.snapshotName > b.snapshotName);
}
