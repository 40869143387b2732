/** What changed since a snapshot: files and configuration (core/snapshot-diff.ts). */
import type { SnapshotDiffResult } from '../../core/snapshot-diff.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { snapshotParamsSchema } from '../schemas/common-schemas.js';
import { diffQuerySchema, diffResultSchema } from '../schemas/diff-schemas.js';

export interface DiffApi {
  diff(containerRef: string, fromRef: string, toRef: string, page: { limit: number; offset: number }, toContainerRef?: string): Promise<SnapshotDiffResult>;
}


export function diffRoutes(api: DiffApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/containers/:container/snapshots/:snapshot/diff',
      operationId: 'diffSnapshot',
      summary: 'Files added, modified, deleted and renamed since this snapshot (to a later one or `current`), paged; and the config diff (env by name only).',
      tag: 'snapshots',
      auth: true,
      role: 'viewer',
      request: { params: snapshotParamsSchema, query: diffQuerySchema },
      response: diffResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params, query }) {
        const result = await api.diff(params.container, params.snapshot, query.to, { limit: query.limit, offset: query.offset }, query.to_container);
        const to = result.to?.name ?? 'current';
        const { config } = result;
        return {
          message: `${String(result.total)} changed path(s) in container ${result.container.name} from ${result.from.name} to ${to}${config.changed ? '; its configuration changed too' : ''}.`,
          data: {
            container_id: result.container.id,
            project_id: result.from.projectId,
            from: result.from.name,
            to,
            to_container_id: result.toContainer.id,
            files: result.files.map((f) => ({ path: f.path, change: f.change, from: f.from, type: f.type, size_before: f.sizeBefore, size_after: f.sizeAfter })),
            total: result.total,
            limit: query.limit,
            offset: query.offset,
            summary: result.summary,
            filesystems: result.filesystems.map((f) => ({ role: f.role, mount_point: f.mountPoint, compared: f.compared, reason: f.reason })),
            config: {
              changed: config.changed,
              image: config.image,
              cmd: config.cmd,
              entrypoint: config.entrypoint,
              working_dir: config.workingDir,
              user: config.user,
              labels: config.labels,
              env: config.env,
            },
          },
        };
      },
    }),
  ];
}
