/** ContainerSummary → the container JSON of GET /containers[/:container]. */
import type { CaptureEntry, ContainerSummary } from '../../core/api-types.js';

export interface CaptureEntryJson {
  role: string;
  mount_point: string;
  source: string | null;
  captured: boolean;
  reason: string | null;
  driver: string | null;
  pool: string | null;
  dataset: string | null;
}

export interface ContainerJson {
  id: string;
  name: string;
  image: string;
  project_id: string;
  state: string;
  snapshot_count: number;
  capture: CaptureEntryJson[];
}

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
    capture: container.capture.map(serializeCaptureEntry),
  };
}
