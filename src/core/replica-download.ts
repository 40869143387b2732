/**
 * Downloading a replica into the local pool (design.md §8): the chain it needs (replica-chain.ts) is
 * downloaded oldest first, each stream checked by the remote (chunk tags, sha256) while the driver
 * receives it, and each received snapshot becomes an ordinary local snapshot record under the source
 * container's id and the replica's name. Restore and copy then work on it exactly as on a local one.
 *
 * A snapshot's record is `creating` while its streams arrive and `ready` only when all have: a cut or
 * corrupt download removes what this snapshot received and its record (the driver's receive leaves
 * nothing of a failed stream), so no half-received dataset ever shows.
 *
 * Downloads into one container's snapshots run one at a time: two at once (a copy and a restore of the
 * same replica, or two copies) would both plan the same chain and race to record the same names. The
 * second waits for the first and then finds what it received on the pool, so it answers with the same
 * local snapshot, downloading only what is still missing.
 */
import { createHash } from 'node:crypto';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import type { Logger } from 'pino';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { ConflictError } from '../errors/conflict-error.js';
import type { Clock } from './clock.js';
import type { CapturedFilesystem, SnapshotOrigin, SnapshotRecord } from './model.js';
import type { PoolRegistry } from './pool-registry.js';
import type { StorePort } from './ports.js';
import type { RemotePort, ReplicaManifest } from './remote-port.js';
import type { ReplicaFilesystem } from '../remote/manifest.js';
import { KeyedSerialQueue } from './keyed-serial-queue.js';
import { expiryFrom } from './day-offsets.js';
import { planChain, type LocalPresence } from './replica-chain.js';
import { storageSnapshotName } from './storage-snapshot-name.js';

export interface ReplicaDownloadDeps {
  readonly store: Pick<
    StorePort,
    | 'getContainer'
    | 'upsertContainer'
    | 'markContainerRemoved'
    | 'resolveSnapshot'
    | 'reserveSnapshot'
    | 'markSnapshotReady'
    | 'deleteSnapshotRecord'
    | 'startOperation'
    | 'finishOperation'
  >;
  readonly pools: PoolRegistry;
  /** Where Docker keeps its data: a replica's rootfs goes to the pool holding it (a copy clones from there). */
  readonly dockerDataRoot: () => Promise<string>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface DownloadOptions {
  /** The live container's filesystems (a restore): each received filesystem goes to the dataset it restores. */
  readonly live?: readonly CapturedFilesystem[];
  readonly signal: AbortSignal;
  /** Plain bytes received so far, and in total (known from the manifests). */
  readonly onProgress: (done: number, total: number) => void;
  /**
   * Local expiry, in days from when each is received, of the snapshots this download records (the
   * wanted one and the ancestors it needed). Absent: none — they stay as the base of the next download.
   */
  readonly expiryDays?: number;
}

export interface DownloadResult {
  /** The local snapshot record of the wanted replica. */
  readonly snapshot: SnapshotRecord;
  /** Replicas downloaded (oldest first) and the one the pool already had, which the first was incremental to. */
  readonly downloaded: string[];
  readonly base: string | null;
  readonly bytes: number;
}

export class ReplicaDownloader {
  private readonly perContainer = new KeyedSerialQueue();

  constructor(private readonly deps: ReplicaDownloadDeps) {}

  /** Downloads what the pool lacks of the wanted replica's chain; waits for another download into the same container first. */
  download(remote: RemotePort, wanted: ReplicaManifest, options: DownloadOptions): Promise<DownloadResult> {
    return this.perContainer.run(wanted.containerId, () => this.downloadNow(remote, wanted, options), options.signal);
  }

  private async downloadNow(remote: RemotePort, wanted: ReplicaManifest, options: DownloadOptions): Promise<DownloadResult> {
    const plan = await planChain(remote, wanted, (manifest) => this.presence(manifest));
    const log = this.deps.logger.child({ remote: remote.id, container: wanted.containerId, snapshot: wanted.snapshotName });
    log.info({ download: plan.download.map((m) => m.snapshotName), base: plan.base?.snapshotName ?? null, bytes: plan.bytes }, 'downloading replica chain');
    this.ensureContainerRecord(wanted);
    let done = 0;
    options.onProgress(0, plan.bytes);
    let previous = plan.base === null ? undefined : this.localSnapshot(plan.base);
    for (const manifest of plan.download) {
      options.signal.throwIfAborted();
      previous = await this.receiveReplica(remote, manifest, previous, options, (bytes) => {
        done += bytes;
        options.onProgress(done, plan.bytes);
      });
      log.info({ received: manifest.snapshotName, bytes: done }, 'replica received');
    }
    const snapshot = this.localSnapshot(wanted);
    return { snapshot, downloaded: plan.download.map((m) => m.snapshotName), base: plan.base?.snapshotName ?? null, bytes: done };
  }

  /** Is the replica's snapshot on this pool already, by name and by each stream's snapshot identity? */
  private async presence(manifest: ReplicaManifest): Promise<LocalPresence> {
    const local = this.deps.store.resolveSnapshot(manifest.containerId, manifest.snapshotName);
    if (local?.name !== manifest.snapshotName) return { kind: 'absent' };
    if (local.state !== 'ready') {
      return { kind: 'different', why: `Snapshot ${local.name} of this container is ${local.state} on this host; it cannot be replaced by the replica now.` };
    }
    const storageName = storageSnapshotName(local.id, local.name);
    let gone = 0;
    for (const fs of manifest.filesystems) {
      const mine = local.filesystems.find((each) => each.role === fs.role && each.mountPoint === fs.mountPoint);
      if (mine === undefined) {
        return { kind: 'different', why: `Snapshot ${local.name} on this host has no filesystem at ${fs.mountPoint}, the replica has: they are not the same snapshot.` };
      }
      const identity = this.deps.pools.isAvailable(mine.pool)
        ? await this.deps.pools.driverFor(mine).snapshotIdentity(mine.dataset, storageName).catch(() => undefined)
        : undefined;
      if (identity === undefined) gone += 1;
      else if (identity.id !== fs.stream.snapshotId && identity.receivedFrom !== fs.stream.snapshotId) {
        return {
          kind: 'different',
          why: `Snapshot ${local.name} on this host holds other data than its replica (${fs.mountPoint}); delete the local snapshot to use the replica.`,
        };
      }
    }
    if (gone === 0) return { kind: 'present' };
    // A record whose storage is gone (a replaced pool): the download takes its place.
    this.deps.logger.warn({ container: local.containerId, snapshot: local.name }, 'local snapshot record without storage replaced by its replica');
    this.deps.store.deleteSnapshotRecord(local.id);
    return { kind: 'absent' };
  }

  private localSnapshot(manifest: ReplicaManifest): SnapshotRecord {
    const local = this.deps.store.resolveSnapshot(manifest.containerId, manifest.snapshotName);
    if (local?.name !== manifest.snapshotName || local.state !== 'ready') {
      throw new ConflictError('snapshot_not_ready', `Snapshot ${manifest.snapshotName} disappeared from this host while its replica was being downloaded.`);
    }
    return local;
  }

  /** A host that never saw the container records it (as removed from Docker) so its snapshots are listed. */
  private ensureContainerRecord(manifest: ReplicaManifest): void {
    if (this.deps.store.getContainer(manifest.containerId) !== undefined) return;
    const now = this.deps.clock.now();
    this.deps.store.upsertContainer({ id: manifest.containerId, name: manifest.containerName, image: manifest.config.image }, now);
    this.deps.store.markContainerRemoved(manifest.containerId, now);
  }

  private async receiveReplica(
    remote: RemotePort,
    manifest: ReplicaManifest,
    previous: SnapshotRecord | undefined,
    options: DownloadOptions,
    onBytes: (bytes: number) => void,
  ): Promise<SnapshotRecord> {
    const targets: CapturedFilesystem[] = [];
    for (const fs of manifest.filesystems) targets.push(await this.targetFor(manifest, fs, previous, options.live));
    const aliasFree = manifest.alias !== null && this.deps.store.resolveSnapshot(manifest.containerId, manifest.alias) === undefined;
    const record = this.deps.store.reserveSnapshot({
      name: manifest.snapshotName,
      containerId: manifest.containerId,
      containerName: manifest.containerName,
      projectId: 'default',
      alias: aliasFree ? manifest.alias : null,
      createdAt: new Date(manifest.createdAt),
      expiresAt: expiryFrom(this.deps.clock.now(), options.expiryDays),
      tags: [...manifest.tags],
      // A schedule id is this host's own: another host's schedule:<id> must not join a local schedule's retention.
      origin: (manifest.origin === 'safety' ? 'safety' : 'api') satisfies SnapshotOrigin,
      config: manifest.config,
      filesystems: targets,
      uncaptured: [...manifest.uncaptured],
    });
    const storageName = storageSnapshotName(record.id, record.name);
    // Journaled as a snapshot being made: a crash mid-download leaves a `creating` record that start-up
    // recovery removes with whatever storage it got (the driver also clears interrupted receives).
    const journal = this.deps.store.startOperation('create', record.containerId, record.name, { snapshotId: record.id, fromRemote: remote.id });
    const received: CapturedFilesystem[] = [];
    try {
      for (const [index, fs] of manifest.filesystems.entries()) {
        const target = targets[index];
        if (target === undefined) throw new Error('no target for a filesystem');
        await receiveStream(remote, fs, this.deps.pools.driverFor(target), { dataset: target.dataset, snapshot: storageName }, options.signal, onBytes);
        received.push(target);
      }
    } catch (error) {
      for (const target of received) {
        await this.deps.pools.driverFor(target).destroySnapshot(target.dataset, storageName).catch((undo: unknown) => {
          this.deps.logger.error({ err: undo, dataset: target.dataset, snapshot: storageName }, 'removing a received snapshot after a failed download failed');
        });
      }
      this.deps.store.deleteSnapshotRecord(record.id);
      this.deps.store.finishOperation(journal.id, 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
    const ready = this.deps.store.markSnapshotReady(record.id, { sizeBytes: null, filesystems: targets });
    this.deps.store.finishOperation(journal.id, 'done');
    return ready;
  }

  /**
   * Where one filesystem is received: into the live container's dataset (a restore swaps that one);
   * else next to the previous snapshot of the chain (an incremental stream needs its parent there);
   * else a dataset of its own, `cowsnap-replica-<container>-<mount>`, on the pool Docker's data root is on.
   */
  private async targetFor(
    manifest: ReplicaManifest,
    fs: ReplicaFilesystem,
    previous: SnapshotRecord | undefined,
    live: readonly CapturedFilesystem[] | undefined,
  ): Promise<CapturedFilesystem> {
    const same = (each: CapturedFilesystem): boolean => each.role === fs.role && each.mountPoint === fs.mountPoint;
    const chosen = live?.find(same) ?? previous?.filesystems.find(same);
    if (chosen !== undefined) {
      if (chosen.driver !== fs.driver) {
        throw new ConflictError('receive_unsupported', `${fs.mountPoint} is on a ${chosen.driver} pool here; its replica is a ${fs.driver} stream, which only a ${fs.driver} pool can receive.`);
      }
      this.assertCanReceive(chosen.pool, fs);
      return { ...chosen };
    }
    const pool = await this.poolFor(fs);
    const driver = this.deps.pools.driverFor({ pool });
    const key = createHash('sha256').update(`${fs.role}\0${fs.mountPoint}`).digest('hex').slice(0, 8);
    const dataset = driver.childDataset(`cowsnap-replica-${manifest.containerId.slice(0, 12)}-${key}`);
    return { role: fs.role, mountPoint: fs.mountPoint, driver: fs.driver, pool, dataset };
  }

  private async poolFor(fs: ReplicaFilesystem): Promise<string> {
    const candidates = this.deps.pools.pools.filter((pool) => pool.driver.info().name === fs.driver);
    if (candidates.length === 0) {
      throw new ConflictError('receive_unsupported', `The replica of ${fs.mountPoint} is a ${fs.driver} stream and this host has no ${fs.driver} pool available to receive it.`);
    }
    const dataRoot = await this.deps.dockerDataRoot();
    let chosen = candidates[0];
    for (const pool of candidates) {
      if ((await pool.driver.datasetForPath(dataRoot).catch(() => undefined)) !== undefined) {
        chosen = pool;
        break;
      }
    }
    if (chosen === undefined) throw new Error('no candidate pool');
    this.assertCanReceive(chosen.id, fs);
    return chosen.id;
  }

  private assertCanReceive(poolId: string, fs: ReplicaFilesystem): void {
    if (!this.deps.pools.driverFor({ pool: poolId }).info().capabilities.send) {
      throw new ConflictError('receive_unsupported', `Pool "${poolId}" cannot receive replication streams (its driver has no send/receive), so ${fs.mountPoint} cannot be downloaded.`);
    }
  }
}

/**
 * One stream: download (the remote checks tags and the sha256 and errors the stream otherwise) into the
 * driver's receive. Bytes are counted as they pass; `pipeline` carries a download error to the receive,
 * which then removes what it received.
 */
async function receiveStream(
  remote: RemotePort,
  fs: ReplicaFilesystem,
  driver: StorageDriver,
  target: { dataset: string; snapshot: string },
  signal: AbortSignal,
  onBytes: (bytes: number) => void,
): Promise<void> {
  const plain = remote.downloadStream(fs.stream.key, fs.stream.sha256, { signal });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
  const piped = new Promise<void>((resolve, reject) => {
    // Node 20 calls back with undefined (not null) on success.
    pipeline(plain, counter, (error: unknown) => {
      if (error instanceof Error) reject(error);
      else resolve();
    });
  });
  piped.catch(() => undefined);
  const stop = (): void => {
    plain.destroy(signal.reason instanceof Error ? signal.reason : new Error('download stopped'));
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    await driver.receive(counter, target);
    // A receive ends only after its input did, so the download's verdict is in; never trust it unread.
    await piped.catch(async (error: unknown) => {
      await driver.destroySnapshot(target.dataset, target.snapshot).catch(() => undefined);
      throw error;
    });
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
