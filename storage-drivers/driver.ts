/**
 * The storage driver contract. A driver instance is bound to one pool (a mounted btrfs filesystem or a
 * ZFS dataset that cowsnap may use) and knows nothing of containers, HTTP or the database: it works on
 * datasets and their snapshots. The layers above ask `info().capabilities`, never the driver's name.
 *
 * Addressing:
 * - btrfs: a dataset is the absolute path of a subvolume inside the pool's mount point.
 * - zfs:   a dataset is a full dataset name inside the pool's root dataset (e.g. `tank/cowsnap/data`).
 * - a snapshot is (dataset, name); where the driver keeps it physically is the driver's business.
 */

import type { Readable } from 'node:stream';

export type DriverName = 'btrfs' | 'zfs';

export interface DriverCapabilities {
  /** Restore to any snapshot, keeping every snapshot (newer ones included). */
  readonly restoreAnySnapshot: boolean;
  /** Exact exclusive/referenced bytes per snapshot (btrfs: quotas on; zfs: always). */
  readonly usageAccounting: boolean;
  /** How diff works here: natively (send stream / zfs diff), by comparing trees, or not at all. */
  readonly diff: 'native' | 'tree-compare' | 'none';
  /** Snapshot holds (zfs hold). */
  readonly holds: boolean;
  /** Deleting a snapshot that a clone depends on succeeds and frees space when the last clone goes. */
  readonly deferredDestroy: boolean;
  /** Datasets nested in a dataset are captured with it (true) or refused with an error (false). */
  readonly nestedDatasets: boolean;
  /** send() produces a replication stream (btrfs send / zfs send) that receive() on another pool takes. */
  readonly send: boolean;
  /** send() can make a stream relative to an older snapshot (`{ parent }`). */
  readonly incrementalSend: boolean;
  /** A cut receive can be continued later instead of restarted (false unless really implemented). */
  readonly resumableReceive: boolean;
}

export interface DriverInfo {
  readonly name: DriverName;
  /** What the probe found: tool versions and dialect, e.g. "btrfs-progs v6.2", "zfs-fuse (pool v23)". */
  readonly version: string;
  /** The pool this instance works on: btrfs mount point or ZFS root dataset. */
  readonly pool: string;
  readonly capabilities: DriverCapabilities;
}

export interface SnapshotInfo {
  readonly dataset: string;
  readonly name: string;
  readonly createdAt: Date;
}

export interface Usage {
  /** What deleting the snapshot would free; null when the driver cannot tell (btrfs without quotas). */
  readonly exclusiveBytes: number | null;
  /** Bytes the snapshot refers to, shared or not. */
  readonly referencedBytes: number | null;
}

export interface PoolSpace {
  readonly totalBytes: number;
  readonly usedBytes: number;
  readonly freeBytes: number;
}

export type DiffChange = 'added' | 'modified' | 'deleted' | 'renamed';

export type DiffFileType = 'file' | 'dir' | 'symlink' | 'other';

export interface DiffEntry {
  /** Path relative to the dataset root, starting with `/`. */
  readonly path: string;
  readonly change: DiffChange;
  /** For renames: the old path. */
  readonly from?: string;
  /** What the path is (after the change; before it for a delete), when the driver could look. */
  readonly type?: DiffFileType;
  /** Bytes before and after (null where the path did not exist); absent when the driver could not look. */
  readonly sizeBefore?: number | null;
  readonly sizeAfter?: number | null;
}

export interface DiffOptions {
  /**
   * At most this many changed paths: past it the diff stops with TooManyChangesError instead of holding
   * them all (memory stays bounded whatever a container did to its files).
   */
  readonly maxEntries?: number;
}

export interface RecoveryAction {
  readonly dataset: string;
  /**
   * What recover() did: finished the interrupted restore, or undid it; 'skipped': could not tell, left as
   * found; 'held': could not mount the dataset because other mount namespaces (running containers that
   * bind-mount it) still hold its old mount. The caller stops those containers and calls recover() again.
   */
  readonly action: 'finished' | 'undone' | 'cleaned' | 'skipped' | 'held';
  readonly detail: string;
}

/** Named crash points inside restore, so tests can simulate a crash between any two steps. */
export type RestoreStep = 'after-prepare' | 'after-move-old' | 'after-move-new';

export interface RestoreOptions {
  /** Test hook: throw right after this step, leaving the work half done as a crash would. */
  readonly crashAfter?: RestoreStep;
}

/** A replication stream being produced by a child process. */
export interface SendStream {
  /** The replication stream (btrfs send / zfs send stdout). Consume it fully or destroy() it. */
  readonly stream: Readable;
  /** Resolves when the sender exited 0; rejects with the command error otherwise (also after destroy()). */
  readonly done: Promise<void>;
}

/** Tells snapshots apart across pools: the same stream received twice has the same identity. */
export interface SnapshotIdentity {
  /** btrfs: the snapshot subvolume's UUID; zfs: the snapshot's guid. */
  readonly id: string;
  /** btrfs: received UUID when this snapshot was received (else null); zfs: the guid (same stream = same guid). */
  readonly receivedFrom: string | null;
}

export interface SendOptions {
  /** Name of an older snapshot of the same dataset: the stream then carries only the changes since it. */
  readonly parent?: string;
}

export interface ReceiveTarget {
  readonly dataset: string;
  readonly snapshot: string;
}

export interface StorageDriver {
  /** Checks the tools and the pool, detects the dialect, and returns what this driver can do. */
  probe(): Promise<DriverInfo>;
  /** The result of the last probe(); throws if probe() has not run. */
  info(): DriverInfo;

  createDataset(dataset: string): Promise<void>;
  destroyDataset(dataset: string): Promise<void>;
  datasetExists(dataset: string): Promise<boolean>;
  /** Datasets of the pool (not cowsnap's own internal ones). */
  listDatasets(): Promise<string[]>;
  /** The host path where the dataset's files can be read and written. */
  mountPath(dataset: string): Promise<string>;
  /**
   * The dataset named `name` directly below the pool root (btrfs: a path, zfs: a dataset name), for
   * datasets the layers above create (copies). `name` is validated like any name.
   */
  childDataset(name: string): string;
  /**
   * The dataset whose root is exactly this host path, or undefined when the path is not the root of a
   * dataset of this pool (a plain folder, another filesystem). Used to decide what a container mount is.
   */
  datasetForPath(hostPath: string): Promise<string | undefined>;
  /**
   * True when the dataset is mounted at its mount path on the host, so what is read and written there
   * is the dataset. Only for drivers whose datasets can be unmounted (zfs); a btrfs subvolume that exists
   * is in place. Restore refuses a dataset that is not (restore-precheck.ts).
   */
  datasetMounted?(dataset: string): Promise<boolean>;

  /** Read-only, atomic, O(1) in the size of the data. */
  createSnapshot(dataset: string, name: string): Promise<SnapshotInfo>;
  /** Oldest first. */
  listSnapshots(dataset: string): Promise<SnapshotInfo[]>;
  snapshotExists(dataset: string, name: string): Promise<boolean>;
  /** Succeeds even when a clone depends on it; its space is freed when the last dependent goes. */
  destroySnapshot(dataset: string, name: string): Promise<void>;

  /**
   * Makes the dataset's content equal to the snapshot, keeping every snapshot. Swap by rename: a crash
   * at any point leaves the dataset present with the old or the restored content; recover() completes it.
   */
  restoreSnapshot(dataset: string, name: string, options?: RestoreOptions): Promise<void>;
  /**
   * Names the dataset's current incarnation: the same while it lives in place, different after a restore
   * swapped it (btrfs: subvolume id, zfs: guid). Start-up recovery compares it with the value journaled
   * before a swap to know whether that swap completed, so it never swaps a filesystem twice.
   */
  datasetIdentity(dataset: string): Promise<string>;
  /** Finds leftovers of interrupted operations in this pool and finishes or undoes them. */
  recover(): Promise<RecoveryAction[]>;

  /** A new writable dataset with the snapshot's content, independent from then on. */
  cloneSnapshot(dataset: string, name: string, target: string): Promise<void>;

  snapshotUsage(dataset: string, name: string): Promise<Usage>;
  datasetUsage(dataset: string): Promise<Usage>;
  poolSpace(): Promise<PoolSpace>;

  /** Changes from snapshot `from` to snapshot `to`, or to the live dataset when `to` is omitted. */
  diff(dataset: string, from: string, to?: string, options?: DiffOptions): Promise<DiffEntry[]>;

  /** The snapshot as a replication stream (capability `send`); incremental from `parent` when given. */
  send(dataset: string, snapshot: string, options?: SendOptions): Promise<SendStream>;
  /**
   * Receives a stream made by send() on another pool of the same driver. Afterwards snapshot
   * (target.dataset, target.snapshot) exists, read-only, and every snapshot operation works on it
   * (restoreSnapshot, cloneSnapshot, send as parent, destroySnapshot, snapshotIdentity) even when
   * target.dataset does not exist as a live dataset on this pool (a host that never had the container).
   * An incremental stream needs its parent already received/present at (target.dataset, parentName).
   * A stream cut or corrupted halfway rejects and leaves nothing on this pool.
   */
  receive(stream: Readable, target: ReceiveTarget): Promise<void>;
  snapshotIdentity(dataset: string, snapshot: string): Promise<SnapshotIdentity>;
}
