/**
 * What the core services offer to the HTTP layer and the CLI. HTTP validates and shapes; the services
 * hold the rules. Inputs are already validated (types, ranges) when they arrive here.
 */
import type { OperationRecord } from './operations.js';
import type {
  CapturedFilesystem,
  ContainerRecord,
  FilesystemRole,
  Quiesce,
  SnapshotOrigin,
  SnapshotRecord,
  SnapshotState,
} from './model.js';

export interface CreateSnapshotInput {
  readonly alias?: string;
  /** Whole days, 1–3650; absent = permanent. */
  readonly expiryDays?: number;
  readonly tags?: string[];
  readonly quiesce?: Quiesce;
  readonly origin?: SnapshotOrigin;
}

export interface ListSnapshotsQuery {
  readonly limit: number;
  readonly offset: number;
  readonly alias?: string;
  readonly state?: SnapshotState;
  /** "api", "safety", "schedule:<id>", or "schedule" for any schedule. */
  readonly origin?: string;
  /** Only snapshots whose tags include this one (exact match). */
  readonly tag?: string;
}

export interface UpdateSnapshotInput {
  /** A new alias, or null to clear it. */
  readonly alias?: string | null;
  /** Days counted from now, or null for permanent. */
  readonly expiryDays?: number | null;
  readonly tags?: string[];
}

export interface RestoreInput {
  readonly safetySnapshot?: boolean;
  /** Stop (and start again) other running containers that mount a dataset the restore swaps, instead of 409. */
  readonly stopSharingContainers?: boolean;
}

export interface SnapshotResult {
  readonly container: ContainerRecord;
  readonly snapshot: SnapshotRecord;
}

export interface SnapshotListResult {
  readonly container: ContainerRecord;
  readonly snapshots: SnapshotRecord[];
  readonly total: number;
}

export interface RestoreResult extends SnapshotResult {
  readonly safetySnapshot: SnapshotRecord | null;
  readonly wasRunning: boolean;
  /** Names of the other containers stopped and started again because they share a swapped dataset. */
  readonly stoppedSharingContainers: string[];
  readonly durations: {
    readonly totalMs: number;
    readonly stopMs: number;
    readonly swapMs: number;
    readonly startMs: number;
  };
}

export interface SnapshotsApi {
  create(containerRef: string, input: CreateSnapshotInput): Promise<SnapshotResult>;
  /**
   * `resolved`: the container `containerRef` names, when the caller already resolved it for reading in this
   * request (the list cache does, for its key); the list then does not resolve it a second time.
   */
  list(containerRef: string, query: ListSnapshotsQuery, resolved?: ContainerRecord): Promise<SnapshotListResult>;
  /** `snapshotRef` is a name, or an alias when no name matches. */
  get(containerRef: string, snapshotRef: string): Promise<SnapshotResult>;
  restore(containerRef: string, snapshotRef: string, input: RestoreInput): Promise<RestoreResult>;
  update(containerRef: string, snapshotRef: string, input: UpdateSnapshotInput): Promise<SnapshotResult>;
  delete(containerRef: string, snapshotRef: string): Promise<SnapshotResult>;
  /**
   * The restore as a background operation (HTTP `Prefer: respond-async`): container and snapshot are
   * checked first (404 at once), then the operation is returned while the restore runs.
   */
  restoreInBackground?(containerRef: string, snapshotRef: string, input: RestoreInput): Promise<OperationRecord>;
}

/** One line of a container's capture set. */
export interface CaptureEntry {
  readonly role: FilesystemRole;
  readonly mountPoint: string;
  readonly source: string | null;
  readonly captured: boolean;
  /** Why not, when captured is false. */
  readonly reason: string | null;
  readonly filesystem: CapturedFilesystem | null;
}

export interface ContainerSummary {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly projectId: string;
  /** Docker's state ("running", "exited", "paused", ...) or "removed". */
  readonly state: string;
  readonly snapshotCount: number;
  /** When the newest of its snapshots (any state, as the list shows them) was taken; null: none. */
  readonly newestSnapshotAt: Date | null;
  readonly schedules: ScheduleSummary;
  readonly capture: CaptureEntry[];
}

/** A container's schedules in numbers, for overviews (the list itself is GET .../schedules). */
export interface ScheduleSummary {
  readonly active: number;
  readonly paused: number;
  /** The soonest next run among the active ones; null when none is active. */
  readonly nextRunAt: Date | null;
}

export interface ContainersApi {
  list(): Promise<ContainerSummary[]>;
  get(containerRef: string): Promise<ContainerSummary>;
}
