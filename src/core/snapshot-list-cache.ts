/**
 * Pages of the snapshot list kept while nothing in the database changed: the same answer object is
 * returned again, so the HTTP layer can send the JSON it built for it (router.ts, `stableData`). Exact,
 * not time-based: each page is stored with the data generation it was read at (store/data-generation.ts,
 * which moves on every write: creates, deletes, size measurements, replica and expiry updates, container
 * changes, and commits by another process) and is served only while the generation is unchanged. Every
 * request still resolves the container first, so access checks and 404s are the same as without it.
 */
import type { ListSnapshotsQuery, SnapshotListResult, SnapshotsApi } from './api-types.js';
import type { ContainerResolver } from './container-resolver.js';

export interface SnapshotListCacheDeps {
  readonly resolver: Pick<ContainerResolver, 'resolveForRead'>;
  /** Changes whenever the database's content may have changed. */
  readonly generation: () => string;
  /** Pages kept (the oldest goes first); a page of 50 is ~100 KB of records. */
  readonly maxPages?: number;
}

interface CachedPage {
  readonly generation: string;
  readonly result: SnapshotListResult;
}

export function withListCache(api: SnapshotsApi, deps: SnapshotListCacheDeps): SnapshotsApi {
  const maxPages = deps.maxPages ?? 32;
  const pages = new Map<string, CachedPage>();
  return {
    ...(api.restoreInBackground !== undefined && { restoreInBackground: api.restoreInBackground.bind(api) }),
    create: (container, input) => api.create(container, input),
    get: (container, snapshot) => api.get(container, snapshot),
    restore: (container, snapshot, input) => api.restore(container, snapshot, input),
    update: (container, snapshot, input) => api.update(container, snapshot, input),
    delete: (container, snapshot) => api.delete(container, snapshot),
    list: async (containerRef, query) => {
      // Access checks and the 404 of an unknown container happen here on every request, hit or miss.
      const { record } = await deps.resolver.resolveForRead(containerRef);
      const generation = deps.generation();
      // The container's name and project are in the answer: a page is only reused for the same record.
      const key = pageKey(record.id, record.name, record.projectId, query);
      const cached = pages.get(key);
      if (cached !== undefined && cached.generation === generation) return cached.result;
      const result = await api.list(containerRef, query);
      // Kept only when nothing was written while it was read: the page is then exactly that generation's.
      if (deps.generation() === generation && result.container.id === record.id) {
        pages.delete(key);
        pages.set(key, { generation, result });
        if (pages.size > maxPages) pages.delete(pages.keys().next().value ?? key);
      } else {
        pages.delete(key);
      }
      return result;
    },
  };
}

function pageKey(containerId: string, name: string, projectId: string, query: ListSnapshotsQuery): string {
  return JSON.stringify([containerId, name, projectId, query.limit, query.offset, query.alias ?? null, query.state ?? null, query.origin ?? null, query.tag ?? null]);
}
