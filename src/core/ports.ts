/**
 * What the core services need from the runtime (Docker) and the store (SQLite), as narrow interfaces:
 * the services receive only what they use, and unit tests can hand them small fakes.
 */
import type { CaptureEntry, ListSnapshotsQuery } from './api-types.js';
import type {
  CapturedFilesystem,
  ContainerRecord,
  JournalEntry,
  OperationKind,
  RecordedContainerConfig,
  SnapshotOrigin,
  SnapshotRecord,
  SnapshotState,
  UncapturedFilesystem,
} from './model.js';

export interface LiveContainer {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly state: {
    readonly status: string;
    readonly running: boolean;
    readonly paused: boolean;
    /** When its main process last started (Docker's State.StartedAt); absent when it never ran or is unknown. */
    readonly startedAt?: Date;
  };
  readonly config: RecordedContainerConfig;
}

export interface RuntimePort {
  /**
   * cached: a read path may be answered from what Docker's event stream says is unchanged; writes always
   * ask Docker (they act on the container's current state).
   */
  resolveContainer(ref: string, options?: { cached?: boolean }): Promise<LiveContainer | undefined>;
  listContainers(): Promise<LiveContainer[]>;
  inspect(id: string): Promise<LiveContainer>;
  stop(id: string): Promise<void>;
  start(id: string): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
}

export interface CapturePort {
  captureSet(container: LiveContainer): Promise<CaptureEntry[]>;
}

export interface NewSnapshot {
  /** Given when the name is not new (a snapshot received from a remote keeps its name); else made from createdAt. */
  readonly name?: string;
  readonly containerId: string;
  readonly containerName: string;
  readonly projectId: string;
  readonly alias: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly tags: string[];
  readonly origin: SnapshotOrigin;
  readonly config: RecordedContainerConfig;
  readonly filesystems: CapturedFilesystem[];
  readonly uncaptured: UncapturedFilesystem[];
}

/** What a snapshot's record gets when its storage exists. */
export interface SnapshotReadyFields {
  readonly sizeBytes: number | null;
  readonly filesystems: CapturedFilesystem[];
  /**
   * The container's name and configuration as Docker showed them during the create, when they differ from
   * what was reserved (a rename or `docker update` between the cached answer and the fresh one).
   */
  readonly container?: { readonly name: string; readonly config: RecordedContainerConfig };
}

/** The store pages and filters exactly as the API asks. */
export type SnapshotListQuery = ListSnapshotsQuery;

/** What start-up compares with storage for one filesystem of one record: no config, no dates, no tags. */
export interface RecordedStorage {
  readonly id: number;
  readonly name: string;
  readonly state: SnapshotState;
  readonly containerName: string;
  /** Null for a record with no captured filesystem. */
  readonly pool: string | null;
  readonly dataset: string | null;
}

export interface StorePort {
  upsertContainer(container: { id: string; name: string; image: string; project?: string }, seenAt: Date): ContainerRecord;
  markContainerRemoved(id: string, at: Date): void;
  getContainer(id: string): ContainerRecord | undefined;
  findContainers(ref: string): ContainerRecord[];
  listContainers(): ContainerRecord[];

  reserveSnapshot(input: NewSnapshot): SnapshotRecord;
  markSnapshotReady(id: number, fields: SnapshotReadyFields): SnapshotRecord;
  /** Creation failed midway: state `failed` with a client-readable reason, alias freed, expiring by `expiresBy`. */
  markSnapshotFailed(id: number, error: string, expiresBy?: Date): void;
  markSnapshotDeleting(id: number): void;
  recordSnapshotError(id: number, error: string | null): void;
  updateSnapshotMeta(id: number, patch: { alias?: string | null; expiresAt?: Date | null; tags?: string[] }): SnapshotRecord;
  touchLastUsed(id: number, at: Date): void;
  setSnapshotSize(id: number, sizeBytes: number | null): void;
  getSnapshot(id: number): SnapshotRecord | undefined;
  resolveSnapshot(containerId: string, ref: string): SnapshotRecord | undefined;
  listSnapshots(containerId: string, query: SnapshotListQuery): { snapshots: SnapshotRecord[]; total: number };
  countSnapshots(containerId: string): number;
  deleteSnapshotRecord(id: number): void;
  listAllSnapshots(): SnapshotRecord[];
  /** The records still `creating`, oldest first (start-up: half-made snapshots), found by an index. */
  listCreatingSnapshots(): SnapshotRecord[];
  /** One row per captured filesystem of every record (a record without any: one row, no pool), by id: start-up's comparison with storage. */
  listRecordedStorage(): RecordedStorage[];

  startOperation(kind: OperationKind, containerId: string, snapshotName: string | null, payload: Record<string, unknown>): JournalEntry;
  updateOperation(id: number, step: string, payload?: Record<string, unknown>): void;
  finishOperation(id: number, state: 'done' | 'failed', error?: string): void;
  listUnfinishedOperations(): JournalEntry[];
}
