/** The `data` wrappers of the snapshot routes: `{container_id, project_id, snapshot(s)}`. */
import type { RestoreResult, SnapshotListResult, SnapshotResult } from '../../core/api-types.js';
import type { RestoreResultJson, SnapshotListJson, SnapshotResultJson } from '../wire/snapshot-json.js';
import { serializeSnapshot } from './snapshot-serializer.js';

export function serializeSnapshotResult(result: SnapshotResult): SnapshotResultJson {
  return {
    container_id: result.container.id,
    // The container's project: an admin's reassignment moves its snapshots along (container-store.ts).
    project_id: result.container.projectId,
    snapshot: serializeSnapshot(result.snapshot),
  };
}

export function serializeSnapshotList(
  result: SnapshotListResult,
  page: { limit: number; offset: number },
): SnapshotListJson {
  return {
    container_id: result.container.id,
    project_id: result.container.projectId,
    snapshots: result.snapshots.map(serializeSnapshot),
    total: result.total,
    limit: page.limit,
    offset: page.offset,
  };
}

export function serializeRestoreResult(result: RestoreResult): RestoreResultJson {
  return {
    ...serializeSnapshotResult(result),
    safety_snapshot: result.safetySnapshot === null ? null : serializeSnapshot(result.safetySnapshot),
    was_running: result.wasRunning,
    stopped_sharing_containers: result.stoppedSharingContainers,
    duration_ms: Math.round(result.durations.totalMs),
    durations: {
      stop_ms: Math.round(result.durations.stopMs),
      swap_ms: Math.round(result.durations.swapMs),
      start_ms: Math.round(result.durations.startMs),
    },
  };
}
