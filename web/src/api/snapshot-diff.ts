/**
 * "What will change" in the restore dialog. The diff endpoint (GET .../snapshots/:snapshot/diff) is newer
 * than the console; it is used only when the OpenAPI document lists it, and a 404 from it means "not here".
 * Its answer (`files: [{path, change, ...}]`, `total`, paged) is read leniently: the API's sentence plus any
 * list of entries that carry a `path`, so a later change of shape degrades to the sentence, not to an error.
 */
import { ApiError, segment, type ApiClient } from './api-client.ts';

const DIFF_PATH = /\/containers\/\{[^}]+\}\/snapshots\/\{[^}]+\}\/diff$/;

interface OpenApiPaths {
  readonly paths?: Record<string, unknown>;
}

let supported: Promise<boolean> | undefined;

/** Whether this service has the diff endpoint (asked once per page load; openapi.json needs no token). */
export function diffSupported(fetcher: typeof fetch = (input, init) => fetch(input, init)): Promise<boolean> {
  supported ??= fetcher('/api/v1/openapi.json')
    .then((response): Promise<OpenApiPaths> | OpenApiPaths => (response.ok ? (response.json() as Promise<OpenApiPaths>) : {}))
    .then((document) => Object.keys(document.paths ?? {}).some((path) => DIFF_PATH.test(path)))
    .catch(() => false);
  return supported;
}

export interface DiffEntry {
  readonly path: string;
  readonly change: string;
}

export interface DiffSummary {
  readonly message: string;
  readonly entries: readonly DiffEntry[];
  /** All changed paths (the answer is paged; `entries` is the first page). */
  readonly total: number;
}

/** Changed paths asked for: enough to see what kind of change it is, not a full listing. */
export const DIFF_PAGE = 50;

/** Null when the service cannot tell (no endpoint); otherwise what the API says will change. */
export async function loadDiff(api: ApiClient, container: string, snapshot: string): Promise<DiffSummary | null> {
  if (!(await diffSupported())) return null;
  try {
    // Since the snapshot up to the container as it is now: what the restore undoes.
    const reply = await api.call<unknown>('GET', `/containers/${segment(container)}/snapshots/${segment(snapshot)}/diff?to=current&limit=${DIFF_PAGE}`);
    const entries = findEntries(reply.data, 0);
    const total = (reply.data as { total?: unknown } | null)?.total;
    return { message: reply.message, entries, total: typeof total === 'number' ? total : entries.length };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && error.code === 'route_not_found') return null;
    // Too many changes to list (diffMaxChanges): the API's sentence says so, and the restore is still offered.
    if (error instanceof ApiError && error.code === 'diff_too_large') return { message: error.message, entries: [], total: 0 };
    throw error;
  }
}

/** Entries with a `path`, wherever the answer keeps them (a top-level list, or per filesystem). */
export function findEntries(value: unknown, depth: number): DiffEntry[] {
  if (depth > 3 || typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) {
    const direct = value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && typeof (item as { path?: unknown }).path === 'string');
    if (direct.length > 0) {
      return direct.map((item) => ({ path: String(item.path), change: changeOf(item) }));
    }
    return value.flatMap((item) => findEntries(item, depth + 1));
  }
  return Object.values(value).flatMap((item) => findEntries(item, depth + 1));
}

function changeOf(item: Record<string, unknown>): string {
  for (const key of ['change', 'kind', 'type', 'status', 'action']) {
    const v = item[key];
    if (typeof v === 'string') return v;
  }
  return 'changed';
}
