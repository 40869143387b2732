/** This host's replicas of a container, with remote expiry and why an expired one is kept (issue 12). */
import type { ContainerReplicas } from '../../core/replica-listing.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { containerParamsSchema } from '../schemas/common-schemas.js';
import { remoteIdSchema, replicaSchema } from '../schemas/replica-schemas.js';
import { serializeReplica } from '../serializers/replica-serializer.js';

export interface ReplicaListingApi {
  list(containerRef: string, remoteId?: string): Promise<ContainerReplicas>;
}

const listQuerySchema = {
  type: 'object',
  properties: { remote: { ...remoteIdSchema, description: 'Only replicas in this remote.' } },
  additionalProperties: false,
} as const;

const listResultSchema = {
  type: 'object',
  properties: {
    container_id: { type: 'string' },
    replicas: {
      type: 'array',
      items: {
        type: 'object',
        properties: { snapshot: { type: 'string' }, ...replicaSchema.properties },
        required: ['snapshot', ...replicaSchema.required],
        additionalProperties: false,
      },
    },
  },
  required: ['container_id', 'replicas'],
  additionalProperties: false,
} as const;

export function replicaListRoutes(api: ReplicaListingApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/containers/:container/replicas',
      operationId: 'listContainerReplicas',
      summary:
        "This host's replicas of the container (also those whose local snapshot is gone), newest first, with remote expiry and `why` an expired one is kept.",
      tag: 'replicas',
      auth: true,
      role: 'viewer',
      request: { params: containerParamsSchema, query: listQuerySchema },
      response: listResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params, query }) {
        const result = await api.list(params.container, query.remote);
        const kept = result.replicas.filter((replica) => replica.keptBecause !== null).length;
        return {
          message: `${String(result.replicas.length)} replica(s) of ${result.container.name}${kept > 0 ? `, ${String(kept)} kept past their expiry` : ''}.`,
          data: {
            container_id: result.container.id,
            replicas: result.replicas.map((replica) => ({ snapshot: replica.snapshotName, ...serializeReplica(replica) })),
          },
        };
      },
    }),
  ];
}
