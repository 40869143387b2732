/**
 * What the Containers page shows per container: the container, its newest snapshot and its schedules. The
 * API has no combined call, so this asks per container (in parallel); a container whose extra calls fail
 * still shows with what is known.
 */
import { segment, type ApiClient } from './api-client.ts';
import type { Container, Schedule, Snapshot, SnapshotList } from './api-types.ts';

export interface ContainerOverview {
  readonly container: Container;
  readonly newest: Snapshot | null;
  readonly schedules: readonly Schedule[] | null;
}

export async function loadContainerOverview(api: ApiClient): Promise<ContainerOverview[]> {
  const { containers } = await api.get<{ containers: Container[] }>('/containers');
  return Promise.all(
    containers.map(async (container) => {
      const ref = segment(container.id);
      const [snapshots, schedules] = await Promise.all([
        container.snapshot_count > 0 ? api.get<SnapshotList>(`/containers/${ref}/snapshots?limit=1`).catch(() => null) : Promise.resolve(null),
        api.get<{ schedules: Schedule[] }>(`/containers/${ref}/schedules`).catch(() => null),
      ]);
      return { container, newest: snapshots?.snapshots[0] ?? null, schedules: schedules?.schedules ?? null };
    }),
  );
}

/** The rows a search keeps: every word must appear in the name, image or state (case-insensitive). */
export function matchesSearch(overview: ContainerOverview, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const text = `${overview.container.name} ${overview.container.image} ${overview.container.state}`.toLowerCase();
  return words.every((word) => text.includes(word));
}
