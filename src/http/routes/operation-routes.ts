/** Operations a client follows after a 202 (core/operations.ts). */
import type { OperationQuery, OperationRecord, OperationStatus } from '../../core/operations.js';
import { NotFoundError } from '../../errors/not-found-error.js';
import type { RouteDefinition } from '../route-definition.js';
import { listOperationsQuerySchema, operationListSchema, operationParamsSchema, operationSchema } from '../schemas/replica-schemas.js';
import { serializeOperation } from '../serializers/replica-serializer.js';

export interface OperationsApi {
  getOperation(id: number): OperationRecord | undefined;
  listOperations(query: OperationQuery): { operations: OperationRecord[]; total: number };
  /** `?container=` takes an id, id prefix or name; undefined when no container matches. */
  containerIdOf(ref: string): string | undefined;
}

interface ListQuery { container?: string; state?: OperationStatus; limit: number; offset: number }

export function operationRoutes(api: OperationsApi): RouteDefinition[] {
  return [
    {
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
        const id = Number(params['id']);
        const operation = api.getOperation(id);
        if (operation === undefined) throw new NotFoundError('operation_not_found', `There is no operation ${String(id)}.`);
        return Promise.resolve({ message: `Operation ${String(id)} is ${operation.status}.`, data: serializeOperation(operation) });
      },
    },
    {
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
        const q = query as unknown as ListQuery;
        const containerId = q.container === undefined ? undefined : (api.containerIdOf(q.container) ?? q.container);
        const { operations, total } = api.listOperations({
          limit: q.limit,
          offset: q.offset,
          ...(containerId !== undefined && { containerId }),
          ...(q.state !== undefined && { status: q.state }),
        });
        return Promise.resolve({
          message: `${String(operations.length)} of ${String(total)} operation(s).`,
          data: { operations: operations.map(serializeOperation), total, limit: q.limit, offset: q.offset },
        });
      },
    },
  ];
}
