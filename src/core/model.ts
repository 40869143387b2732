/**
 * The records cowsnap keeps (design.md §4). Shared by store, core services, HTTP and CLI.
 */
import type { DriverName } from '../../storage-drivers/driver.js';
import type { ReplicaRecord } from './replica.js';

export type SnapshotState = 'creating' | 'ready' | 'failed' | 'deleting';
export type Quiesce = 'none' | 'pause' | 'stop';
export type FilesystemRole = 'rootfs' | 'mount';

/** A filesystem a snapshot holds: the container's rootfs layer or a bind mount on a pool. */
export interface CapturedFilesystem {
  readonly role: FilesystemRole;
  /** Where the container sees it: "/" for the rootfs, the bind mount's destination otherwise. */
  readonly mountPoint: string;
  readonly driver: DriverName;
  /** The configured pool's id (config `pools[].id`). */
  readonly pool: string;
  /** The driver's dataset: a subvolume path (btrfs) or dataset name (zfs). */
  readonly dataset: string;
}

/** Something in a container that cowsnap cannot capture, and why. Reported, never silently skipped. */
export interface UncapturedFilesystem {
  readonly role: FilesystemRole;
  readonly mountPoint: string;
  readonly source: string | null;
  readonly reason: string;
}

export interface PortBinding {
  readonly containerPort: string;
  readonly hostIp: string | null;
  readonly hostPort: string | null;
}

export interface RecordedMount {
  readonly type: string;
  readonly source: string;
  readonly destination: string;
  readonly readOnly: boolean;
  /** Docker volumes only: the volume's name (`source` is its folder on the host). */
  readonly name?: string;
}

/** What is needed to recreate the container from a snapshot (copy works after `docker rm`). */
export interface RecordedContainerConfig {
  readonly image: string;
  readonly imageId: string;
  readonly cmd: string[] | null;
  readonly entrypoint: string[] | null;
  /** "KEY=value" entries. Secrets: encrypted at rest by the store. */
  readonly env: string[];
  readonly labels: Record<string, string>;
  readonly workingDir: string;
  readonly user: string;
  readonly hostname: string;
  readonly ports: PortBinding[];
  readonly mounts: RecordedMount[];
  readonly restartPolicy: { readonly name: string; readonly maximumRetryCount: number };
  readonly networks: string[];
  /**
   * Everything else the container ran with — capabilities, read-only rootfs, devices, resource and pids
   * limits, init, tmpfs options, ulimits, shm size, sysctls, tty, stop signal, healthcheck — so a copy
   * is as locked down as its source. Absent on snapshots taken before cowsnap recorded it.
   */
  readonly dockerSettings?: DockerSettings;
}

/**
 * Docker settings kept in Docker's own field names and values, as `docker inspect` showed them, and
 * given back to Docker unchanged: nothing is lost in a translation, and an operator can compare a
 * copy's inspect with its source's field by field.
 */
export interface DockerSettings {
  /** HostConfig fields a copy re-applies (CapDrop, ReadonlyRootfs, Memory, PidsLimit, Tmpfs, ...). */
  readonly hostConfig: Readonly<Record<string, unknown>>;
  /** Config fields a copy re-applies (Tty, OpenStdin, StopSignal, StopTimeout, Healthcheck, ...). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Settings the source had that a copy cannot carry over, one sentence each, for the copy's warnings. */
  readonly notCarried: readonly string[];
}

/** Who made a snapshot: the API, a schedule (`schedule:<id>`) or a restore's safety snapshot. */
export type SnapshotOrigin = 'api' | 'safety' | `schedule:${string}`;

export interface SnapshotRecord {
  readonly id: number;
  readonly containerId: string;
  /** The container's name when the snapshot was made (no leading slash). */
  readonly containerName: string;
  readonly projectId: string;
  readonly name: string;
  readonly alias: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly state: SnapshotState;
  /** Exclusive bytes: what deleting it would free. Null until measured or when the driver cannot tell. */
  readonly sizeBytes: number | null;
  readonly tags: string[];
  readonly filesystems: CapturedFilesystem[];
  readonly uncaptured: UncapturedFilesystem[];
  readonly config: RecordedContainerConfig;
  readonly origin: SnapshotOrigin;
  /** The last failure on this snapshot (a failed create, a delete that will be retried). */
  readonly error: string | null;
  /** This host's replicas of the snapshot (replica.ts), when the caller looked them up. */
  readonly replicas?: readonly ReplicaRecord[];
}

/** A container cowsnap has seen; kept after `docker rm` so its snapshots stay reachable. */
export interface ContainerRecord {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  /** Set when Docker no longer knows the container. */
  readonly removedAt: Date | null;
  /** The project it belongs to (design.md §9): its label `cowsnap.project` at first sight, or an admin's choice; else "default". */
  readonly projectId: string;
}

export type OperationKind = 'create' | 'restore' | 'delete' | 'copy';
export type OperationState = 'running' | 'done' | 'failed';

/** One row per operation, so start-up can finish or undo what a crash interrupted. */
export interface JournalEntry {
  readonly id: number;
  readonly kind: OperationKind;
  readonly containerId: string;
  readonly snapshotName: string | null;
  readonly state: OperationState;
  /** The last step reached, e.g. "stopped", "swapped:2", "started". */
  readonly step: string;
  /** Operation-specific facts needed to resume (was the container running, which filesystems, ...). */
  readonly payload: Record<string, unknown>;
  readonly startedAt: Date;
  readonly updatedAt: Date;
  readonly error: string | null;
}
