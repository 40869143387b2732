/** Copy a container from a snapshot (design.md §3 Copy): template cloning into new, independent containers. */
import type { CopyInput, CopyResult } from '../../core/copy-service.js';
import type { OperationRecord } from '../../core/operations.js';
import { prefersAsync } from '../prefer-async.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { serializeOperation } from '../serializers/replica-serializer.js';
import { containerParamsSchema } from '../schemas/common-schemas.js';
import { copyBodySchema, copyResultSchema } from '../schemas/copy-schemas.js';
import { serializeSnapshot } from '../serializers/snapshot-serializer.js';

export interface CopyApi {
  copy(containerRef: string, input: CopyInput): Promise<CopyResult>;
  /** `Prefer: respond-async`: source checked, then the copy runs as a background operation. */
  copyInBackground?(containerRef: string, input: CopyInput): Promise<OperationRecord>;
  /** 404 project_not_found unless the project exists and the caller's key may see it; before anything starts. */
  checkTargetProject?(projectId: string): void;
}

export function copyRoutes(api: CopyApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/containers/:container/copy',
      operationId: 'copyContainer',
      summary:
        'Create a new, independent container from a snapshot (or the current state) of this one. With `Prefer: respond-async`: 202 with the operation at once.',
      tag: 'containers',
      auth: true,
      role: 'operator',
      successStatus: 201,
      request: { params: containerParamsSchema, body: copyBodySchema },
      response: copyResultSchema,
      errorStatuses: [404, 409, 503, 507],
      async handle({ params, body, ctx }) {
        const copyInput: CopyInput = {
          name: body.name,
          ...(body.source_snapshot !== undefined && { sourceSnapshot: body.source_snapshot }),
          start: body.start,
          ...(body.target_project_id !== undefined && { targetProject: body.target_project_id }),
        };
        if (copyInput.targetProject !== undefined) api.checkTargetProject?.(copyInput.targetProject);
        if (prefersAsync(ctx.get('prefer')) && api.copyInBackground !== undefined) {
          const operation = await api.copyInBackground(params.container, copyInput);
          ctx.set('preference-applied', 'respond-async');
          ctx.set('location', `/api/v1/operations/${String(operation.id)}`);
          return { status: 202, message: `Copy started as operation ${String(operation.id)}.`, data: { operation: serializeOperation(operation) } };
        }
        const result = await api.copy(params.container, copyInput);
        const warned = result.warnings.length > 0 ? ` (${result.warnings.length} warning(s))` : '';
        return {
          status: 201,
          message: `Container ${result.container.name} copied from ${result.sourceContainer.name} at ${result.sourceSnapshot.name}${warned}.`,
          data: {
            container: result.container,
            // Its source's project unless target_project_id named another (the copy carries that project's label).
            project_id: result.projectId,
            source_container: { id: result.sourceContainer.id, name: result.sourceContainer.name },
            source_snapshot: serializeSnapshot(result.sourceSnapshot),
            temporary_snapshot: result.temporarySnapshot,
            warnings: result.warnings,
          },
        };
      },
    }),
  ];
}
