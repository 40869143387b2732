/**
 * Restore from a remote (design.md §8): a container goes back to a replica even when the local snapshot
 * is gone (expired, deleted, the pool replaced). The chain is downloaded into the container's own
 * datasets (what the pool still has is skipped), then the normal restore runs (§3: lock, journal,
 * swap by rename, optional safety snapshot). It takes time, so it answers at once with an operation.
 */
import type { Logger } from 'pino';
import { NotFoundError } from '../errors/not-found-error.js';
import type { RestoreInput, RestoreResult } from './api-types.js';
import type { BackgroundOperations } from './background-operations.js';
import type { ContainerResolver } from './container-resolver.js';
import type { CapturedFilesystem, ContainerRecord } from './model.js';
import { downloadThen } from './observed-download.js';
import type { OperationRecord, OperationStorePort } from './operations.js';
import type { CapturePort, StorePort } from './ports.js';
import { askRemote } from './remote-call.js';
import type { RemotePort, ReplicaManifest } from './remote-port.js';
import type { RemoteRegistry } from './remote-registry.js';
import type { ReplicaDownloader } from './replica-download.js';

/** What the metrics hear about downloads (replica-download-metrics.ts). */
export interface ReplicaDownloadObserver {
  downloaded(remoteId: string, kind: 'restore' | 'copy' | 'recover', result: 'succeeded' | 'failed', bytes: number): void;
}

export interface RemoteRestoreDeps {
  readonly remotes: RemoteRegistry;
  readonly operations: OperationStorePort;
  readonly background: BackgroundOperations;
  readonly downloader: ReplicaDownloader;
  readonly resolver: Pick<ContainerResolver, 'resolveLive'>;
  readonly store: Pick<StorePort, 'resolveSnapshot'>;
  readonly capture: CapturePort;
  /** The normal restore (snapshot-service.ts): takes the container's lock and journals the swap. */
  readonly restore: (containerRef: string, snapshotRef: string, input: RestoreInput) => Promise<RestoreResult>;
  readonly logger: Logger;
  readonly observer?: ReplicaDownloadObserver;
}

export interface RemoteRestoreInput extends RestoreInput {
  /** Local expiry (days) of the snapshots the download records; absent: none. */
  readonly expiryDays?: number;
}

export interface RemoteRestoreStarted {
  readonly container: ContainerRecord;
  readonly snapshotName: string;
  readonly remoteId: string;
  readonly operation: OperationRecord;
}

export class RemoteRestoreService {
  constructor(private readonly deps: RemoteRestoreDeps) {}

  async restoreFromRemote(containerRef: string, snapshotRef: string, remoteId: string, input: RemoteRestoreInput): Promise<RemoteRestoreStarted> {
    const { expiryDays, ...restoreInput } = input;
    const remote = this.deps.remotes.get(remoteId);
    const container = await this.deps.resolver.resolveLive(containerRef);
    // An alias only resolves while the local snapshot exists; the replica is found by name.
    const snapshotName = this.deps.store.resolveSnapshot(container.record.id, snapshotRef)?.name ?? snapshotRef;
    const manifest = await findReplica(remote, container.record.id, snapshotName, container.record.name);
    const operation = this.deps.operations.createOperation(
      { kind: 'replica.restore', containerId: container.record.id, snapshotName, target: remote.id },
      'queued',
    );
    const log = this.deps.logger.child({ operation: operation.id, kind: 'replica.restore', container: container.record.id, snapshot: snapshotName, remote: remote.id });
    log.info({ safetySnapshot: input.safetySnapshot === true }, 'restore from remote started');
    const live = async (): Promise<CapturedFilesystem[]> =>
      (await this.deps.capture.captureSet(container.live)).flatMap((entry) => (entry.filesystem === null ? [] : [entry.filesystem]));
    this.deps.background.start(operation.id, log, ({ signal, progress }) =>
      downloadThen(this.deps, { kind: 'restore', remote, manifest, signal, progress, log, next: 'restoring', live, expiryDays }, async () => {
        const restored = await this.deps.restore(container.record.id, snapshotName, restoreInput);
        log.info({ safetySnapshot: restored.safetySnapshot?.name ?? null, durations: restored.durations }, 'restored from remote');
      }),
    );
    return { container: container.record, snapshotName, remoteId: remote.id, operation: this.mustGet(operation.id) };
  }

  private mustGet(id: number): OperationRecord {
    const operation = this.deps.operations.getOperation(id);
    if (operation === undefined) throw new Error(`operation ${String(id)} vanished right after it was written`);
    return operation;
  }
}

/** The replica's manifest, or 404 naming what was looked for. */
export async function findReplica(remote: RemotePort, containerId: string, snapshotName: string, containerName: string): Promise<ReplicaManifest> {
  const manifest = await askRemote(remote.id, 'be read', () => remote.getManifest(containerId, snapshotName));
  if (manifest === undefined) {
    throw new NotFoundError('replica_not_found', `Snapshot ${snapshotName} of ${containerName} has no replica in remote ${remote.id}.`);
  }
  return manifest;
}
