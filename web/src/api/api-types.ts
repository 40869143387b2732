/** The JSON the public REST API answers with (README "API"); only the fields the console reads. */

export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export interface CaptureEntry {
  readonly role: string;
  readonly mount_point: string;
  readonly source: string | null;
  readonly captured: boolean;
  readonly reason: string | null;
  readonly driver: string | null;
  readonly pool: string | null;
  readonly dataset: string | null;
}

export interface Container {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly state: string;
  readonly snapshot_count: number;
  /** When its newest snapshot was taken; null: none. */
  readonly newest_snapshot_at: string | null;
  readonly schedules: { readonly active: number; readonly paused: number; readonly next_run_at: string | null };
  readonly capture: readonly CaptureEntry[];
}

export interface Replica {
  readonly remote: string;
  readonly state: string;
  readonly bytes: number | null;
  readonly uploaded_at: string | null;
  readonly error: string | null;
}

export interface Snapshot {
  readonly name: string;
  readonly alias: string | null;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly expires_at: string | null;
  readonly size: number | null;
  readonly state: string;
  readonly tags: readonly string[];
  readonly filesystems: readonly { role: string; mount_point: string }[];
  readonly uncaptured: readonly { role: string; mount_point: string; reason: string }[];
  readonly origin: string;
  readonly error: string | null;
  readonly container_name: string;
  readonly replicas?: readonly Replica[];
}

export interface SnapshotList {
  readonly container_id: string;
  readonly snapshots: readonly Snapshot[];
  readonly total: number;
}

export interface Schedule {
  readonly id: number;
  readonly cron: string;
  readonly timezone: string;
  readonly alias_template: string | null;
  readonly expiry: number | null;
  readonly quiesce: string;
  readonly keep_min: number;
  readonly paused: boolean;
  readonly paused_reason: string | null;
  readonly run_count: number;
  readonly last_run_at: string | null;
  readonly last_snapshot: string | null;
  readonly last_error: string | null;
  readonly next_run_at: string | null;
}

export interface RestoreResult {
  readonly snapshot: Snapshot;
  readonly safety_snapshot: Snapshot | null;
  readonly was_running: boolean;
  readonly stopped_sharing_containers: readonly string[];
  readonly duration_ms: number;
}

export interface CopyResult {
  readonly container: { id: string; name: string; state: string };
  readonly source_snapshot: Snapshot;
  readonly temporary_snapshot: boolean;
  readonly warnings: readonly string[];
}
