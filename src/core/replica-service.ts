/**
 * Pushing snapshots to remotes (design.md §8): `push` answers at once with the replica in `uploading`
 * and an operation id; the upload runs in the background through a bounded queue. The snapshot (and
 * the parent of an incremental stream) is pinned while it is read, so it cannot be deleted mid-send.
 * A service stopped or killed mid-upload resumes it at start-up (resumeUploads): leftover multipart
 * uploads are aborted and the upload starts again; the manifest is only ever written last.
 */
import type { Logger } from 'pino';
import type { DriverCapabilities } from '../../storage-drivers/driver.js';
import { AppError } from '../errors/app-error.js';
import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import type { Clock } from './clock.js';
import type { ContainerLocks } from './container-lock.js';
import type { ContainerResolver } from './container-resolver.js';
import type { ContainerRecord, SnapshotRecord } from './model.js';
import type { OperationError, OperationRecord, OperationStorePort } from './operations.js';
import type { PoolRegistry } from './pool-registry.js';
import type { StorePort } from './ports.js';
import type { RemotePort, ReplicaManifest } from './remote-port.js';
import type { RemoteRegistry } from './remote-registry.js';
import { expiryFrom } from './day-offsets.js';
import { PLAIN_PUSH, type ReplicaIntent, type ReplicaKey, type ReplicaRecord, type ReplicaStorePort } from './replica.js';
import { planReplica, type ReplicaPlan } from './replica-parent.js';
import { StreamFailure, uploadReplica } from './replica-upload.js';
import { BoundedQueue } from './bounded-queue.js';
import { askRemote } from './remote-call.js';
import type { SnapshotPins } from './snapshot-pins.js';

/** What the metrics need to hear about uploads (replica-metrics.ts). */
export interface ReplicaUploadObserver {
  uploadFinished(remoteId: string, result: 'ready' | 'failed', seconds: number, bytes: { plain: number; stored: number }): void;
}

export interface ReplicaServiceDeps {
  readonly store: Pick<StorePort, 'resolveSnapshot' | 'getSnapshot'>;
  readonly replicas: ReplicaStorePort;
  readonly operations: OperationStorePort;
  readonly resolver: Pick<ContainerResolver, 'resolve'>;
  readonly locks: Pick<ContainerLocks, 'runShared'>;
  readonly pools: PoolRegistry;
  readonly capabilities: (poolId: string) => DriverCapabilities | undefined;
  readonly remotes: RemoteRegistry;
  readonly pins: SnapshotPins;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly cowsnapVersion: string;
  /** Uploads running at once across all remotes (the rest wait as `queued`). */
  readonly maxConcurrentUploads: number;
  readonly observer?: ReplicaUploadObserver;
}

export interface PushResult {
  readonly container: ContainerRecord;
  readonly snapshot: SnapshotRecord;
  readonly replica: ReplicaRecord;
  readonly operation: OperationRecord;
}

export interface StreamCheck {
  readonly index: number;
  readonly role: string;
  readonly mountPoint: string;
  readonly ok: boolean;
  readonly plainBytes: number;
  readonly problem: string | null;
}

export interface VerifyResult {
  readonly containerId: string;
  readonly snapshotName: string;
  readonly remoteId: string;
  readonly ok: boolean;
  readonly streams: StreamCheck[];
}

interface UploadJob {
  readonly key: ReplicaKey;
  readonly snapshot: SnapshotRecord;
  readonly remote: RemotePort;
  readonly operationId: number;
  /** Remote expiry, schedule, full stream asked for (scheduled replication). */
  readonly intent: ReplicaIntent;
  /** Releases the pin on the snapshot itself. */
  readonly unpin: () => void;
}

/** Progress goes to the database at most this often; GET /operations/:id is that fresh. */
const PROGRESS_WRITE_MS = 1000;

export class ReplicaService {
  private readonly queue: BoundedQueue;
  private readonly running = new Map<string, { controller: AbortController; finished: Promise<void> }>();
  private closing = false;

  constructor(private readonly deps: ReplicaServiceDeps) {
    this.queue = new BoundedQueue(deps.maxConcurrentUploads);
  }

  /** A push asked for by a client: its optional remote expiry counts from now, like a snapshot's expiry. */
  pushByHand(containerRef: string, snapshotRef: string, remoteId: string, options: { expiryDays?: number }): Promise<PushResult> {
    const expiresAt = expiryFrom(this.deps.clock.now(), options.expiryDays);
    return this.push(containerRef, snapshotRef, remoteId, { ...PLAIN_PUSH, expiresAt });
  }

  /** `intent` (scheduled replication): the replica's remote expiry, its schedule, and whether to send full streams. */
  async push(containerRef: string, snapshotRef: string, remoteId: string, intent: ReplicaIntent = PLAIN_PUSH): Promise<PushResult> {
    const remote = this.deps.remotes.get(remoteId);
    const { record: container } = await this.deps.resolver.resolve(containerRef);
    // Shared with copies, exclusive against a delete in progress: once pinned, no delete can start.
    const job = await this.deps.locks.runShared(container.id, 'replica push', async () => {
      const snapshot = this.findSnapshot(container, snapshotRef);
      if (snapshot.state !== 'ready') {
        throw new ConflictError('snapshot_not_ready', `Snapshot ${snapshot.name} is ${snapshot.state}; only a ready snapshot can be pushed.`);
      }
      const unsendable = snapshot.filesystems.filter((fs) => this.deps.capabilities(fs.pool)?.send !== true);
      if (unsendable.length > 0) {
        throw new ConflictError(
          'send_unsupported',
          `The storage driver of ${unsendable.map((fs) => fs.mountPoint).join(', ')} cannot produce replication streams, so snapshot ${snapshot.name} cannot be pushed.`,
        );
      }
      const key = { containerId: container.id, snapshotName: snapshot.name, remoteId: remote.id };
      this.refuseExisting(this.deps.replicas.getReplica(key), remote.id);
      if ((await askRemote(remote.id, 'be read', () => remote.getManifest(container.id, snapshot.name))) !== undefined) {
        throw new ConflictError('replica_exists', `Snapshot ${snapshot.name} already has a replica in remote ${remote.id}.`);
      }
      // Checked again after the await: a second push of the same snapshot may have started meanwhile.
      this.refuseExisting(this.deps.replicas.getReplica(key), remote.id);
      const operation = this.deps.operations.createOperation(
        { kind: 'replica.upload', containerId: container.id, snapshotName: snapshot.name, target: remote.id },
        'queued',
      );
      this.deps.replicas.beginReplica({ ...key, snapshotId: snapshot.id, operationId: operation.id, intent }, this.deps.clock.now());
      const unpin = this.deps.pins.pin(snapshot.id, `uploading to remote ${remote.id}, operation ${String(operation.id)}`);
      return { key, snapshot, remote, operationId: operation.id, intent, unpin };
    });
    this.start(job);
    const replica = this.deps.replicas.getReplica(job.key);
    const operation = this.deps.operations.getOperation(job.operationId);
    if (replica === undefined || operation === undefined) throw new Error('replica or operation record vanished right after it was written');
    return { container, snapshot: job.snapshot, replica, operation };
  }

  /**
   * Start-up: every replica left `uploading` by a stop or crash is uploaded again (its job first aborts
   * multipart leftovers, and takes a manifest already written as done). Returns at once; the uploads run
   * in the background.
   */
  resumeUploads(): { resumed: number; failed: number } {
    let resumed = 0;
    let failed = 0;
    for (const replica of this.deps.replicas.listReplicasInState('uploading')) {
      const operationId = replica.operationId ?? this.deps.operations.createOperation(
        { kind: 'replica.upload', containerId: replica.containerId, snapshotName: replica.snapshotName, target: replica.remoteId },
        'queued',
      ).id;
      const remote = this.deps.remotes.find(replica.remoteId);
      const snapshot = this.deps.store.getSnapshot(replica.snapshotId);
      const problem: OperationError | undefined =
        remote === undefined
          ? { code: 'remote_not_configured', message: `Remote ${replica.remoteId} is no longer configured; the interrupted upload cannot resume.` }
          : snapshot?.state !== 'ready' || snapshot.name !== replica.snapshotName
            ? { code: 'snapshot_gone', message: `Snapshot ${replica.snapshotName} is no longer on the local pool; the interrupted upload cannot resume.` }
            : undefined;
      if (problem !== undefined || remote === undefined || snapshot === undefined) {
        this.fail(replica, operationId, problem ?? { code: 'snapshot_gone', message: 'The snapshot is gone.' });
        failed += 1;
        continue;
      }
      const unpin = this.deps.pins.pin(snapshot.id, `uploading to remote ${remote.id}, operation ${String(operationId)}`);
      this.deps.logger.info({ container: replica.containerId, snapshot: replica.snapshotName, remote: remote.id, operation: operationId }, 'resuming interrupted replica upload');
      const intent = { expiresAt: replica.expiresAt, scheduleId: replica.scheduleId, full: replica.fullRequested };
      this.start({ key: replica, snapshot, remote, operationId, intent, unpin });
      resumed += 1;
    }
    return { resumed, failed };
  }

  /** Deletes the replica from the remote; refused while another replica's incremental stream depends on it. */
  async deleteReplica(containerRef: string, snapshotRef: string, remoteId: string): Promise<{ container: ContainerRecord; snapshotName: string; remoteId: string }> {
    const remote = this.deps.remotes.get(remoteId);
    const { record: container } = await this.deps.resolver.resolve(containerRef);
    // The local snapshot may be gone already (its replica outlives it): then the name is the reference.
    const snapshotName = this.deps.store.resolveSnapshot(container.id, snapshotRef)?.name ?? snapshotRef;
    const key = { containerId: container.id, snapshotName, remoteId: remote.id };
    const local = this.deps.replicas.getReplica(key);
    if (local?.state === 'uploading') {
      throw new ConflictError('replica_uploading', `The replica of ${snapshotName} in remote ${remote.id} is still uploading (operation ${String(local.operationId)}).`);
    }
    const manifests = await askRemote(remote.id, 'list its replicas', () => allManifests(remote, container.id));
    const children = manifests
      .filter((manifest) => manifest.filesystems.some((fs) => fs.stream.parentSnapshot === snapshotName))
      .map((manifest) => manifest.snapshotName);
    if (children.length > 0) {
      throw new ConflictError(
        'replica_has_dependents',
        `The replica of ${snapshotName} in remote ${remote.id} is the parent of incremental replicas ${children.join(', ')}; delete those first.`,
      );
    }
    const exists = manifests.some((manifest) => manifest.snapshotName === snapshotName);
    if (!exists && local === undefined) {
      throw new NotFoundError('replica_not_found', `Snapshot ${snapshotName} of ${container.name} has no replica in remote ${remote.id}.`);
    }
    // Also for a failed upload: its streams may be in the bucket without a manifest.
    await askRemote(remote.id, 'delete the replica', () => remote.deleteReplica(container.id, snapshotName));
    this.deps.replicas.deleteReplicaRecord(key);
    return { container, snapshotName, remoteId: remote.id };
  }

  /** Re-reads every stream of the replica from the bucket and checks each chunk's tag and the digest. */
  async verify(containerRef: string, snapshotRef: string, remoteId: string): Promise<VerifyResult> {
    const remote = this.deps.remotes.get(remoteId);
    const { record: container } = await this.deps.resolver.resolve(containerRef);
    const snapshotName = this.deps.store.resolveSnapshot(container.id, snapshotRef)?.name ?? snapshotRef;
    const manifest = await askRemote(remote.id, 'be read', () => remote.getManifest(container.id, snapshotName));
    if (manifest === undefined) {
      throw new NotFoundError('replica_not_found', `Snapshot ${snapshotName} of ${container.name} has no replica in remote ${remote.id}.`);
    }
    const streams: StreamCheck[] = [];
    for (const [index, fs] of manifest.filesystems.entries()) {
      const check = await askRemote(remote.id, 'be read', () => remote.verifyStream(fs.stream.key, fs.stream.sha256));
      streams.push({ index, role: fs.role, mountPoint: fs.mountPoint, ok: check.ok, plainBytes: check.plainBytes, problem: check.problem ?? null });
    }
    return { containerId: container.id, snapshotName, remoteId: remote.id, ok: streams.every((s) => s.ok), streams };
  }

  /** This host's replica records of one snapshot (the snapshot object's `replicas`). */
  replicasOf(containerId: string, snapshotName: string): ReplicaRecord[] {
    return this.deps.replicas.listReplicasOfSnapshot(containerId, snapshotName);
  }

  /** The same for a page of snapshots of one container, in one query: by snapshot name. */
  replicasOfPage(containerId: string, snapshotNames: readonly string[]): Map<string, ReplicaRecord[]> {
    return this.deps.replicas.listReplicasOfSnapshots(containerId, snapshotNames);
  }

  /** Resolves when no upload is running or queued (tests; a clean shutdown uses close()). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((entry) => entry.finished));
  }

  /**
   * Shutdown: running uploads stop and stay `uploading`, so the next start resumes them. Waits at most
   * `graceMs` for them to wind down; a stuck one is left to the process exit (and resumed all the same).
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    for (const { controller } of this.running.values()) controller.abort(new Error('cowsnap is shutting down'));
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      Promise.all([...this.running.values()].map((entry) => entry.finished)).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          resolve(false);
        }, graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!stopped) this.deps.logger.warn({ uploads: this.running.size }, 'replica uploads did not stop in time; they resume at the next start');
  }

  private start(job: UploadJob): void {
    const controller = new AbortController();
    const id = `${job.key.containerId}/${job.key.snapshotName}/${job.key.remoteId}`;
    const finished = this.queue
      .run(() => this.upload(job, controller.signal))
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error, operation: job.operationId }, 'replica upload job crashed');
      })
      .finally(() => {
        job.unpin();
        this.running.delete(id);
      });
    this.running.set(id, { controller, finished });
  }

  private async upload(job: UploadJob, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { key, remote, snapshot, operationId } = job;
    const log = this.deps.logger.child({ operation: operationId, container: key.containerId, snapshot: key.snapshotName, remote: key.remoteId });
    this.deps.operations.markOperationRunning(operationId);
    const started = performance.now();
    let unpinParent = (): void => undefined;
    let lastWrite = 0;
    try {
      // Leftovers of an earlier attempt (a crash mid-part) cost storage until aborted.
      const aborted = await remote.abortIncompleteUploads(key.containerId, key.snapshotName);
      if (aborted > 0) log.info({ aborted }, 'aborted incomplete multipart uploads');
      const committed = await remote.getManifest(key.containerId, key.snapshotName);
      if (committed !== undefined) {
        // The manifest was written before a crash could record it: the replica is complete.
        this.succeed(job, committed, totals(committed), performance.now() - started);
        return;
      }
      const planned = await this.pinnedPlan(remote, snapshot, job.intent.full);
      unpinParent = planned.unpin;
      const { plan } = planned;
      this.deps.replicas.setReplicaParent(key, plan.parent?.name ?? null, this.deps.clock.now());
      log.info({ parent: plan.parent?.name ?? null, streams: plan.streams.length }, 'replica upload started');
      const uploaded = await uploadReplica({
        remote,
        pools: this.deps.pools,
        snapshot,
        plan,
        cowsnapVersion: this.deps.cowsnapVersion,
        expiresAt: job.intent.expiresAt,
        now: () => this.deps.clock.now(),
        signal,
        onProgress: (bytes) => {
          const now = performance.now();
          if (now - lastWrite < PROGRESS_WRITE_MS) return;
          lastWrite = now;
          this.deps.operations.recordOperationProgress(operationId, bytes, null);
        },
      });
      this.succeed(job, uploaded.manifest, { plain: uploaded.plainBytes, stored: uploaded.storedBytes }, performance.now() - started);
      log.info({ plainBytes: uploaded.plainBytes, storedBytes: uploaded.storedBytes, durationMs: Math.round(performance.now() - started) }, 'replica upload done');
    } catch (error) {
      // Not narrowed by the check at the top: the signal may have fired during any await since.
      if (this.closing && (signal as { readonly aborted: boolean }).aborted) {
        log.warn('replica upload interrupted by shutdown; it resumes at the next start');
        return;
      }
      log.error({ err: error }, 'replica upload failed');
      await this.cleanUp(remote, key, log);
      const replica = this.deps.replicas.getReplica(key);
      if (replica !== undefined) this.fail(replica, operationId, describeFailure(error, remote.id, operationId));
      this.deps.observer?.uploadFinished(remote.id, 'failed', (performance.now() - started) / 1000, { plain: 0, stored: 0 });
    } finally {
      unpinParent();
    }
  }

  /**
   * Plans the streams and pins the parent. The parent is looked at again once pinned: a delete that
   * started before the pin has already marked it `deleting`, and then every stream goes full instead.
   */
  private async pinnedPlan(remote: RemotePort, snapshot: SnapshotRecord, full: boolean): Promise<{ plan: ReplicaPlan; unpin: () => void }> {
    // A full stream starts a new chain, so the older chain can expire in the remote (full_every).
    if (full) return { plan: { parent: null, streams: snapshot.filesystems.map((filesystem, index) => ({ index, filesystem, parent: null })) }, unpin: () => undefined };
    const plan = await planReplica(
      { store: this.deps.store, replicas: this.deps.replicas, capabilities: this.deps.capabilities },
      remote,
      snapshot,
    );
    if (plan.parent === null) return { plan, unpin: () => undefined };
    const unpin = this.deps.pins.pin(plan.parent.id, `parent of an incremental upload of ${snapshot.name} to remote ${remote.id}`);
    if (this.deps.store.getSnapshot(plan.parent.id)?.state === 'ready') return { plan, unpin };
    unpin();
    return { plan: { parent: null, streams: plan.streams.map((stream) => ({ ...stream, parent: null })) }, unpin: () => undefined };
  }

  private succeed(job: UploadJob, manifest: ReplicaManifest, bytes: { plain: number; stored: number }, elapsedMs: number): void {
    const parents = manifest.filesystems.map((fs) => fs.stream.parentSnapshot).filter((name): name is string => name !== null);
    this.deps.replicas.markReplicaReady(job.key, {
      plainBytes: bytes.plain,
      storedBytes: bytes.stored,
      uploadedAt: new Date(manifest.uploadedAt),
      parentSnapshot: parents[0] ?? null,
    });
    this.deps.operations.recordOperationProgress(job.operationId, bytes.plain, bytes.plain);
    this.deps.operations.finishOperation(job.operationId, { status: 'succeeded' });
    this.deps.observer?.uploadFinished(job.remote.id, 'ready', elapsedMs / 1000, bytes);
  }

  private fail(replica: ReplicaKey, operationId: number, error: OperationError): void {
    this.deps.replicas.markReplicaFailed(replica, error.message, this.deps.clock.now());
    this.deps.operations.finishOperation(operationId, { status: 'failed', error });
  }

  /** A failed upload leaves nothing in the bucket: no multipart leftovers, no streams without a manifest. */
  private async cleanUp(remote: RemotePort, key: ReplicaKey, log: Logger): Promise<void> {
    try {
      await remote.abortIncompleteUploads(key.containerId, key.snapshotName);
      await remote.deleteReplica(key.containerId, key.snapshotName);
    } catch (error) {
      log.warn({ err: error }, 'could not remove the objects of a failed replica upload; deleting the replica removes them');
    }
  }

  private findSnapshot(container: ContainerRecord, ref: string): SnapshotRecord {
    const snapshot = this.deps.store.resolveSnapshot(container.id, ref);
    if (snapshot === undefined) throw new NotFoundError('snapshot_not_found', `Container ${container.name} has no snapshot named or aliased "${ref}".`);
    return snapshot;
  }

  private refuseExisting(replica: ReplicaRecord | undefined, remoteId: string): void {
    if (replica?.state === 'uploading') {
      throw new ConflictError('replica_uploading', `Snapshot ${replica.snapshotName} is already being uploaded to remote ${remoteId} (operation ${String(replica.operationId)}).`);
    }
    if (replica?.state === 'ready') {
      throw new ConflictError('replica_exists', `Snapshot ${replica.snapshotName} already has a replica in remote ${remoteId}.`);
    }
  }
}

function totals(manifest: ReplicaManifest): { plain: number; stored: number } {
  return manifest.filesystems.reduce((sum, fs) => ({ plain: sum.plain + fs.stream.plainBytes, stored: sum.stored + fs.stream.storedBytes }), { plain: 0, stored: 0 });
}

/** Every manifest of one container in the remote (per-container listing is bounded by design). */
export async function allManifests(remote: Pick<RemotePort, 'listManifests'>, containerId: string): Promise<ReplicaManifest[]> {
  const manifests: ReplicaManifest[] = [];
  let cursor: string | undefined;
  do {
    const page = await remote.listManifests({ containerId, limit: 1000, ...(cursor !== undefined && { cursor }) });
    manifests.push(...page.manifests);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return manifests;
}

/** What the client sees of a failure: a code and a sentence, never argv, stderr or host paths (the log has them). */
function describeFailure(error: unknown, remoteId: string, operationId: number): OperationError {
  const cause = error instanceof StreamFailure ? error.cause : error;
  if (cause instanceof AppError) return { code: cause.code, message: cause.message };
  if (error instanceof StreamFailure) {
    const where = `stream ${String(error.stream.index)} (${error.stream.filesystem.mountPoint})`;
    return error.side === 'send'
      ? { code: 'replica_send_failed', message: `Reading ${where} from the pool failed; the service log has the details (operation ${String(operationId)}).` }
      : { code: 'replica_upload_failed', message: `Uploading ${where} to remote ${remoteId} failed; the service log has the details (operation ${String(operationId)}).` };
  }
  return { code: 'replica_upload_failed', message: `The upload to remote ${remoteId} failed; the service log has the details (operation ${String(operationId)}).` };
}
