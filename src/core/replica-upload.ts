/**
 * One replica upload (design.md §8): every captured filesystem's replication stream, in order, through
 * the remote (which compresses, encrypts and multipart-uploads it), then the manifest — last, because it
 * is the commit point: a crash before it leaves streams that no manifest names, never a half replica.
 */
import type { ReplicaFilesystem } from '../remote/manifest.js';
import { MANIFEST_FORMAT_VERSION } from '../remote/manifest.js';
import { streamKey } from '../remote/object-keys.js';
import type { SnapshotRecord } from './model.js';
import type { PoolRegistry } from './pool-registry.js';
import type { RemotePort, ReplicaManifest } from './remote-port.js';
import type { ReplicaPlan, StreamPlan } from './replica-parent.js';
import { storageSnapshotName } from './storage-snapshot-name.js';
import { UnsupportedError } from '../../storage-drivers/common/errors.js';

export interface UploadedReplica {
  readonly manifest: ReplicaManifest;
  readonly plainBytes: number;
  readonly storedBytes: number;
}

/** Which stream failed and in which half (the sender or the upload); the cause keeps the details for the log. */
export class StreamFailure extends Error {
  constructor(
    readonly stream: StreamPlan,
    readonly side: 'send' | 'upload',
    options: { cause: unknown },
  ) {
    super(`stream ${String(stream.index)} (${stream.filesystem.mountPoint}): ${side} failed`, options);
    this.name = 'StreamFailure';
  }
}

export interface UploadInput {
  readonly remote: RemotePort;
  readonly pools: PoolRegistry;
  readonly snapshot: SnapshotRecord;
  readonly plan: ReplicaPlan;
  readonly cowsnapVersion: string;
  /** The replica's own expiry in the remote (manifest `expiresAt`); null: kept until deleted. */
  readonly expiresAt: Date | null;
  readonly now: () => Date;
  readonly signal: AbortSignal;
  /** Plain bytes sent so far over all streams. */
  readonly onProgress: (plainBytes: number) => void;
}

export async function uploadReplica(input: UploadInput): Promise<UploadedReplica> {
  const { snapshot } = input;
  const filesystems: ReplicaFilesystem[] = [];
  let plainBytes = 0;
  let storedBytes = 0;
  for (const stream of input.plan.streams) {
    input.signal.throwIfAborted();
    const uploaded = await uploadStream(input, stream, plainBytes);
    plainBytes += uploaded.stream.plainBytes;
    storedBytes += uploaded.stream.storedBytes;
    filesystems.push(uploaded);
  }
  input.signal.throwIfAborted();
  const manifest: ReplicaManifest = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    cowsnapVersion: input.cowsnapVersion,
    containerId: snapshot.containerId,
    containerName: snapshot.containerName,
    snapshotName: snapshot.name,
    alias: snapshot.alias,
    createdAt: snapshot.createdAt.toISOString(),
    expiresAt: input.expiresAt?.toISOString() ?? null,
    uploadedAt: input.now().toISOString(),
    origin: snapshot.origin,
    tags: [...snapshot.tags],
    config: snapshot.config,
    uncaptured: [...snapshot.uncaptured],
    filesystems,
  };
  await input.remote.putManifest(manifest);
  return { manifest, plainBytes, storedBytes };
}

async function uploadStream(input: UploadInput, plan: StreamPlan, bytesBefore: number): Promise<ReplicaFilesystem> {
  const { snapshot, remote } = input;
  const { filesystem } = plan;
  let { parent } = plan;
  const driver = input.pools.driverFor(filesystem);
  const name = storageSnapshotName(snapshot.id, snapshot.name);
  let sent;
  let identities;
  try {
    if (parent !== null) {
      const parentName = storageSnapshotName(parent.id, parent.name);
      sent = await driver.send(filesystem.dataset, name, { parent: parentName }).catch((error: unknown) => {
        // The driver cannot send relative to this parent (ZFS after a restore to an older snapshot: the
        // parent is no longer in the dataset's line of history). A full stream always works.
        if (error instanceof UnsupportedError) return undefined;
        throw error;
      });
      if (sent === undefined) parent = null;
    }
    sent ??= await driver.send(filesystem.dataset, name);
    const parentName = parent === null ? undefined : storageSnapshotName(parent.id, parent.name);
    identities = await Promise.all([
      driver.snapshotIdentity(filesystem.dataset, name),
      parentName === undefined ? Promise.resolve(null) : driver.snapshotIdentity(filesystem.dataset, parentName),
    ]);
  } catch (error) {
    sent?.stream.destroy();
    throw new StreamFailure(plan, 'send', { cause: error });
  }
  const { stream, done } = sent;
  const uploading = remote.uploadStream(streamKey(snapshot.containerId, snapshot.name, plan.index), stream, {
    signal: input.signal,
    onProgress: (bytes) => {
      input.onProgress(bytesBefore + bytes);
    },
  });
  // Whichever half fails first stops the other: a dead upload must not leave the sender blocked on a
  // full pipe, and a failed sender must not let a truncated stream pass as complete.
  const stop = (): void => {
    stream.destroy();
  };
  uploading.catch(stop);
  done.catch(stop);
  // A stop must not depend on the adapter noticing the signal while it waits for data: ending the
  // source fails the upload, whatever the remote does with the signal.
  input.signal.addEventListener('abort', stop, { once: true });
  const [upload, sender] = await Promise.allSettled([uploading, done]).finally(() => {
    input.signal.removeEventListener('abort', stop);
  });
  if (sender.status === 'rejected') throw new StreamFailure(plan, 'send', { cause: sender.reason });
  if (upload.status === 'rejected') throw new StreamFailure(plan, 'upload', { cause: upload.reason });
  const [own, parentIdentity] = identities;
  return {
    role: filesystem.role,
    mountPoint: filesystem.mountPoint,
    driver: filesystem.driver,
    stream: {
      key: upload.value.key,
      parentSnapshot: parent?.name ?? null,
      parentId: parentIdentity?.id ?? null,
      snapshotId: own.id,
      plainBytes: upload.value.plainBytes,
      storedBytes: upload.value.storedBytes,
      sha256: upload.value.sha256,
    },
  };
}
