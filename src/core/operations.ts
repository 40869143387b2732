/**
 * Operations: long work that outlives the request that started it (a replica upload today; later an
 * async restore, a copy, a download). The request answers 202 with the operation's id; the client follows
 * it with GET /operations/:id. One row per operation, so the status survives a restart.
 *
 * Not the crash journal (journal-store.ts): that records the steps of restore/delete/copy for start-up
 * recovery and is never shown; this is what a client sees.
 */
import type { OperationErrorCode } from '../errors/error-codes.js';

/**
 * Snapshot work, expiry and schedule runs (tracked so they emit events, core/events/), and replica work:
 * `replica.restore`: a container restored from a replica (download + receive + restore swap);
 * `replica.copy`: a new container from a replica; `replica.recover`: a container recreated at its newest replica.
 */
export const OPERATION_KINDS = [
  'snapshot.create',
  'snapshot.restore',
  'snapshot.copy',
  'snapshot.delete',
  'snapshot.expire',
  'schedule.run',
  'replica.upload',
  'replica.restore',
  'replica.copy',
  'replica.recover',
] as const;
export type OperationKindName = (typeof OPERATION_KINDS)[number];
export type OperationStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface OperationError {
  /** Stable snake_case code: an API error's, or one of the operation-only codes (errors/error-codes.ts). */
  readonly code: OperationErrorCode;
  /** A sentence for people; never host paths, argv or stderr. */
  readonly message: string;
}

export interface OperationRecord {
  readonly id: number;
  readonly kind: OperationKindName;
  readonly status: OperationStatus;
  readonly containerId: string | null;
  readonly snapshotName: string | null;
  /** What the operation works on besides the snapshot (the remote's id for a replica upload). */
  readonly target: string | null;
  readonly bytesDone: number;
  /** Null while unknown (a replication stream's size is known only when it ends). */
  readonly bytesTotal: number | null;
  readonly error: OperationError | null;
  readonly startedAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt: Date | null;
}

export interface NewOperation {
  readonly kind: OperationKindName;
  readonly containerId: string | null;
  readonly snapshotName: string | null;
  readonly target: string | null;
}

export interface OperationQuery {
  readonly containerId?: string;
  /** Only operations on containers of this project (a project's key). */
  readonly projectId?: string;
  readonly status?: OperationStatus;
  readonly limit: number;
  readonly offset: number;
}

export type OperationOutcome = ({ status: 'succeeded' } | { status: 'failed'; error: OperationError }) & {
  readonly snapshotName?: string;
  /** The container the work was done on, when it is not the one recorded at the start (a create whose name was re-pointed meanwhile). */
  readonly containerId?: string;
};

/** What services need from the operation store. */
export interface OperationStorePort {
  createOperation(input: NewOperation, status: OperationStatus): OperationRecord;
  markOperationRunning(id: number): void;
  recordOperationProgress(id: number, bytesDone: number, bytesTotal: number | null): void;
  /** `snapshotName` names the snapshot an operation made (a create knows it only at the end). */
  finishOperation(id: number, outcome: OperationOutcome): OperationRecord;
  getOperation(id: number): OperationRecord | undefined;
  listOperations(query: OperationQuery): { operations: OperationRecord[]; total: number };
}
