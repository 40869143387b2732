/**
 * What the Containers page shows: every container with its snapshot count, newest snapshot and schedules
 * in numbers, all in the one answer of GET /containers (no call per container).
 */
import type { ApiClient } from './api-client.ts';
import type { Container } from './api-types.ts';

export async function loadContainerOverview(api: ApiClient): Promise<Container[]> {
  return (await api.get<{ containers: Container[] }>('/containers')).containers;
}

/** The rows a search keeps: every word must appear in the name, image or state (case-insensitive). */
export function matchesSearch(container: Container, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const text = `${container.name} ${container.image} ${container.state}`.toLowerCase();
  return words.every((word) => text.includes(word));
}
