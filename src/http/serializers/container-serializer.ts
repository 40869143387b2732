/** ContainerSummary → the container JSON of GET /containers[/:container]. */
import type { CaptureEntry, ContainerSummary } from '../../core/api-types.js';
import type { CaptureEntryJson, ContainerJson } from '../wire/container-json.js';


function serializeCaptureEntry(entry: CaptureEntry): CaptureEntryJson {
  return {
    role: entry.role,
    mount_point: entry.mountPoint,
    source: entry.source,
    captured: entry.captured,
    reason: entry.reason,
    driver: entry.filesystem?.driver ?? null,
    pool: entry.filesystem?.pool ?? null,
    dataset: entry.filesystem?.dataset ?? null,
  };
}

export function serializeContainer(container: ContainerSummary): ContainerJson {
  return {
    id: container.id,
    name: container.name,
    image: container.image,
    project_id: container.projectId,
    state: container.state,
    snapshot_count: container.snapshotCount,
    newest_snapshot_at: container.newestSnapshotAt?.toISOString() ?? null,
    schedules: {
      active: container.schedules.active,
      paused: container.schedules.paused,
      next_run_at: container.schedules.nextRunAt?.toISOString() ?? null,
    },
    capture: container.capture.map(serializeCaptureEntry),
  };
}
