/** The configured remotes and what is in them, read from the bucket's manifests (design.md §8). */
import type { RemoteSnapshotsPage, RemoteSnapshotsQuery } from '../../core/remote-catalog.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { remoteListSchema, remoteParamsSchema, remoteSnapshotListSchema, remoteSnapshotsQuerySchema } from '../schemas/replica-schemas.js';
import { serializeRemoteSnapshot } from '../serializers/replica-serializer.js';

export interface RemotesApi {
  listRemotes(): { id: string }[];
  listSnapshots(remoteId: string, query: RemoteSnapshotsQuery): Promise<RemoteSnapshotsPage>;
}


export function remoteRoutes(api: RemotesApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/remotes',
      operationId: 'listRemotes',
      summary: 'The configured remotes.',
      tag: 'remotes',
      auth: true,
      role: 'viewer',
      request: {},
      response: remoteListSchema,
      handle() {
        const remotes = api.listRemotes();
        return Promise.resolve({ message: `${String(remotes.length)} remote(s) configured.`, data: { remotes } });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/remotes/:remote/snapshots',
      operationId: 'listRemoteSnapshots',
      summary: "Replicas in the remote, from its manifests (also those other hosts pushed), by container id then oldest first.",
      tag: 'remotes',
      auth: true,
      role: 'viewer',
      request: { params: remoteParamsSchema, query: remoteSnapshotsQuerySchema },
      response: remoteSnapshotListSchema,
      errorStatuses: [404, 503],
      async handle({ params, query }) {
        const page = await api.listSnapshots(params.remote, {
          limit: query.limit,
          offset: query.offset,
          ...(query.container !== undefined && { container: query.container }),
        });
        const invalid = page.invalid.length > 0 ? `; ${String(page.invalid.length)} invalid manifest(s) ignored` : '';
        return {
          message: `${String(page.manifests.length)} replica(s) in remote ${page.remoteId}${invalid}.`,
          data: {
            remote: page.remoteId,
            snapshots: page.manifests.map(serializeRemoteSnapshot),
            invalid: page.invalid.map((entry) => ({ key: entry.key, problem: entry.problem })),
            limit: query.limit,
            offset: query.offset,
            has_more: page.hasMore,
          },
        };
      },
    }),
  ];
}
