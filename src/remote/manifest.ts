/**
 * The replica manifest (design.md §8): one JSON object per replica at
 * `<prefix>/containers/<container-id>/<snapshot-name>/manifest.json`, written last (the commit point).
 * Any host with the same remote reads it without the source host's database, so everything a
 * restore or copy needs is in here. Read manifests are validated with ajv and never trusted otherwise.
 */
import type { DriverName } from '../../storage-drivers/driver.js';
import type { FilesystemRole, RecordedContainerConfig, UncapturedFilesystem } from '../core/model.js';

export const MANIFEST_FORMAT_VERSION = 1;

export interface ReplicaStream {
  /** Object key of the encrypted stream (object-keys.ts streamKey). */
  readonly key: string;
  /** Name of the snapshot this stream is incremental to (its replica is in the same remote), or null for a full stream. */
  readonly parentSnapshot: string | null;
  /** The parent's identity (driver snapshotIdentity().id), or null for a full stream. */
  readonly parentId: string | null;
  /** Identity of the sent snapshot (btrfs subvolume UUID / zfs guid). */
  readonly snapshotId: string;
  readonly plainBytes: number;
  readonly storedBytes: number;
  /** sha256 (hex) of the plain replication stream. */
  readonly sha256: string;
}

export interface ReplicaFilesystem {
  readonly role: FilesystemRole;
  readonly mountPoint: string;
  readonly driver: DriverName;
  readonly stream: ReplicaStream;
}

/**
 * What the RemotePort takes and returns. `config.env` is plaintext here; the adapter seals every
 * environment value with the remote's key before the manifest leaves the host (sealed-env.ts), so the
 * bucket never holds it in the clear.
 */
export interface ReplicaManifest {
  readonly formatVersion: typeof MANIFEST_FORMAT_VERSION;
  readonly cowsnapVersion: string;
  readonly containerId: string;
  readonly containerName: string;
  readonly snapshotName: string;
  readonly alias: string | null;
  /** ISO 8601 timestamps. */
  readonly createdAt: string;
  /** When the replica expires on the remote (ISO), or null. */
  readonly expiresAt: string | null;
  readonly uploadedAt: string;
  /** Who made the snapshot (SnapshotOrigin: "api", "safety", "schedule:<id>"). */
  readonly origin: string;
  readonly tags: string[];
  readonly config: RecordedContainerConfig;
  readonly uncaptured: UncapturedFilesystem[];
  readonly filesystems: ReplicaFilesystem[];
}

/** An environment entry as stored in the bucket: the name in the clear, the value sealed. */
export interface StoredEnvEntry {
  readonly name: string;
  readonly sealedValue: string;
}

/** The manifest as stored: identical except `config.env`, whose values are sealed. */
export type StoredReplicaManifest = Omit<ReplicaManifest, 'config'> & {
  readonly config: Omit<RecordedContainerConfig, 'env'> & { readonly env: StoredEnvEntry[] };
};
