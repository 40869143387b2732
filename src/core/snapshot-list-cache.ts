/**
 * Pages of the snapshot list kept while nothing in the database changed: the same answer object is
 * returned again, so the HTTP layer can send the JSON it built for it (router.ts, `stableData`). Exact,
 * not time-based: each page is stored with the data generation it was read at (store/data-generation.ts,
 * which moves on every write: creates, deletes, size measurements, replica and expiry updates, container
 * changes, and commits by another process) and is served only while the generation is unchanged.
 *
 * What a page shows, and why it cannot go stale (test/store/snapshot-list-cache.test.ts has a test each):
 * - snapshot rows, their filesystems and replica records, the container's name and project: all read from
 *   the database, so any change to them moves the generation; the container's record is also in the key;
 * - Docker's view of the container (a rename, a removal): the resolver writes it to the container record
 *   before the page is looked up, which moves the generation;
 * - the query (limit, offset and every filter): part of the key;
 * - the caller: every request resolves the container first, hit or miss, so project scope and the 404 of
 *   an unknown container are checked as without the cache; the page itself is the same for every caller
 *   who may see it; a miss reads the page of that resolved record (the service does not resolve again),
 *   and the generation is taken after the resolve, so a record it wrote is part of the page's generation;
 * - the clock: nothing in a page is computed from the current time (expiry is shown as a date);
 * - an open transaction: a page read inside one may show rows a rollback removes without moving the
 *   generation, so nothing is kept or served then (the generation is `undefined`).
 */
import type { ListSnapshotsQuery, SnapshotListResult, SnapshotsApi } from './api-types.js';
import type { ContainerResolver } from './container-resolver.js';
import type { ContainerRecord } from './model.js';

export interface SnapshotListCacheDeps {
  readonly resolver: Pick<ContainerResolver, 'resolveForRead'>;
  /** Changes whenever the database's content may have changed; undefined while nothing may be kept. */
  readonly generation: () => string | undefined;
  /** Pages kept (the least recently used goes first). */
  readonly maxPages?: number;
  /** Snapshots kept over all pages: a page of 500 counts as ten of 50 (~2 KiB each with its JSON: ~3 MiB when full). */
  readonly maxSnapshots?: number;
}

interface CachedPage {
  readonly generation: string;
  readonly result: SnapshotListResult;
}

export const DEFAULT_LIST_CACHE_PAGES = 32;
export const DEFAULT_LIST_CACHE_SNAPSHOTS = 32 * 50;

/**
 * `COWSNAP_LIST_CACHE_PAGES` (a whole number; 0 keeps no page): for measuring the uncached list, which an
 * operator whose scripts list after each write gets every time. Anything else is the default.
 */
export function listCachePagesFrom(env: NodeJS.ProcessEnv): number {
  const value = env.COWSNAP_LIST_CACHE_PAGES;
  return value !== undefined && /^\d{1,6}$/.test(value) ? Number(value) : DEFAULT_LIST_CACHE_PAGES;
}

export function withListCache(api: SnapshotsApi, deps: SnapshotListCacheDeps): SnapshotsApi {
  const maxPages = deps.maxPages ?? DEFAULT_LIST_CACHE_PAGES;
  const maxSnapshots = deps.maxSnapshots ?? DEFAULT_LIST_CACHE_SNAPSHOTS;
  const pages = new Map<string, CachedPage>();
  let keptSnapshots = 0;
  const forget = (key: string): void => {
    const page = pages.get(key);
    if (page === undefined) return;
    pages.delete(key);
    keptSnapshots -= page.result.snapshots.length;
  };
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
      const key = pageKey(record, query);
      const cached = pages.get(key);
      if (cached !== undefined && generation !== undefined && cached.generation === generation) {
        // Most recently used last, so the first entry is the one to evict.
        pages.delete(key);
        pages.set(key, cached);
        return cached.result;
      }
      forget(key);
      // The container just resolved: resolving it again in the service would cost a second lookup.
      const result = await api.list(containerRef, query, record);
      // Kept only when nothing was written while it was read (the page is then exactly that generation's)
      // and it is of the same container record the key names.
      const keep =
        generation !== undefined &&
        deps.generation() === generation &&
        pageKey(result.container, query) === key &&
        result.snapshots.length <= maxSnapshots;
      if (keep) {
        // Frozen: the same object goes to every later caller, and the HTTP layer reuses the JSON of frozen
        // answers only (router.ts, `stableData`).
        Object.freeze(result.snapshots);
        pages.set(key, { generation, result: Object.freeze(result) });
        keptSnapshots += result.snapshots.length;
        for (const oldest of pages.keys()) {
          if (pages.size <= maxPages && keptSnapshots <= maxSnapshots) break;
          forget(oldest);
        }
      }
      return result;
    },
  };
}

function pageKey(container: ContainerRecord, query: ListSnapshotsQuery): string {
  return JSON.stringify([
    container.id,
    container.name,
    container.projectId,
    query.limit,
    query.offset,
    query.alias ?? null,
    query.state ?? null,
    query.origin ?? null,
    query.tag ?? null,
  ]);
}
