/** Operations a client follows after a 202 (core/operations.ts). */
import type { OperationQuery, OperationRecord } from '../../core/operations.js';
import { NotFoundError } from '../../errors/not-found-error.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { listOperationsQuerySchema, operationListSchema, operationParamsSchema, operationSchema } from '../schemas/replica-schemas.js';
import { serializeOperation } from '../serializers/replica-serializer.js';

export interface OperationsApi {
  getOperation(id: number): OperationRecord | undefined;
  listOperations(query: OperationQuery): { operations: OperationRecord[]; total: number };
  /** `?container=` takes an id, id prefix or name; undefined when no container matches. */
  containerIdOf(ref: string): string | undefined;
}


export function operationRoutes(api: OperationsApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/operations/:id',
      operationId: 'getOperation',
      summary: 'One operation: kind, state, bytes done/total, error.',
      tag: 'operations',
      auth: true,
      role: 'viewer',
      request: { params: operationParamsSchema },
      response: operationSchema,
      errorStatuses: [404],
      handle({ params }) {
        const id = Number(params.id);
        const operation = api.getOperation(id);
        if (operation === undefined) throw new NotFoundError('operation_not_found', `There is no operation ${String(id)}.`);
        return Promise.resolve({ message: `Operation ${String(id)} is ${operation.status}.`, data: serializeOperation(operation) });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/operations',
      operationId: 'listOperations',
      summary: 'Operations, newest first; filter by container and state.',
      tag: 'operations',
      auth: true,
      role: 'viewer',
      request: { query: listOperationsQuerySchema },
      response: operationListSchema,
      handle({ query }) {
        const containerId = query.container === undefined ? undefined : (api.containerIdOf(query.container) ?? query.container);
        const { operations, total } = api.listOperations({
          limit: query.limit,
          offset: query.offset,
          ...(containerId !== undefined && { containerId }),
          ...(query.state !== undefined && { status: query.state }),
        });
        return Promise.resolve({
          message: `${String(operations.length)} of ${String(total)} operation(s).`,
          data: { operations: operations.map(serializeOperation), total, limit: query.limit, offset: query.offset },
        });
      },
    }),
  ];
}
