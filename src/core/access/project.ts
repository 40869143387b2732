/** Projects, their quotas and what they use (design.md §9). */

/** Null (or a remote not listed) = unlimited. */
export interface ProjectQuotas {
  readonly maxSnapshots: number | null;
  /** Sum of the exclusive sizes of the project's snapshots. */
  readonly maxSnapshotBytes: number | null;
  readonly maxSchedules: number | null;
  /** Stored (compressed, encrypted) bytes of the project's replicas, per remote id. */
  readonly maxReplicaBytes: Readonly<Record<string, number>>;
}

export interface ProjectRecord {
  readonly id: string;
  readonly createdAt: Date;
  readonly quotas: ProjectQuotas;
}

export interface ProjectUsage {
  readonly containers: number;
  /** Snapshots being created or ready (failed and deleting ones hold no quota). */
  readonly snapshots: number;
  readonly snapshotBytes: number;
  readonly schedules: number;
  /** Per remote id that holds replicas of the project. */
  readonly replicaBytes: Readonly<Record<string, number>>;
}

export const NO_QUOTAS: ProjectQuotas = { maxSnapshots: null, maxSnapshotBytes: null, maxSchedules: null, maxReplicaBytes: {} };
