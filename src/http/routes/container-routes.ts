/** Containers with their capture status: what a snapshot of each would hold, and what it could not. */
import type { ContainersApi } from '../../core/api-types.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { containerParamsSchema } from '../schemas/common-schemas.js';
import { containerListSchema, containerResultSchema } from '../schemas/response-schemas.js';
import { serializeContainer } from '../serializers/container-serializer.js';

export function containerRoutes(containers: ContainersApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/containers',
      operationId: 'listContainers',
      summary: 'Containers Docker knows and removed ones that still have snapshots, with their capture status.',
      tag: 'containers',
      auth: true,
      role: 'viewer',
      request: {},
      response: containerListSchema,
      errorStatuses: [503],
      async handle() {
        const list = await containers.list();
        return { message: `${list.length} containers.`, data: { containers: list.map(serializeContainer) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/containers/:container',
      operationId: 'getContainer',
      summary: 'One container and what a snapshot of it captures.',
      tag: 'containers',
      auth: true,
      role: 'viewer',
      request: { params: containerParamsSchema },
      response: containerResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params }) {
        const container = await containers.get(params.container);
        const captured = container.capture.filter((c) => c.captured).length;
        return {
          message: `Container ${container.name}: ${captured} of ${container.capture.length} filesystems capturable.`,
          data: { container: serializeContainer(container) },
        };
      },
    }),
  ];
}
