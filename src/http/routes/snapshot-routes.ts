/** The snapshot operations of design.md §5: create, list, get, restore (PATCH), update (PUT), delete. */
import type { ListSnapshotsQuery, SnapshotListResult, SnapshotsApi } from '../../core/api-types.js';
import type { SnapshotListJson } from '../wire/snapshot-json.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { containerParamsSchema, snapshotParamsSchema } from '../schemas/common-schemas.js';
import { restoreResultSchema, snapshotListSchema, snapshotResultSchema } from '../schemas/response-schemas.js';
import {
  createSnapshotBodySchema,
  listSnapshotsQuerySchema,
  restoreSnapshotBodySchema,
  updateSnapshotBodySchema,
} from '../schemas/snapshot-request-schemas.js';
import { prefersAsync } from '../prefer-async.js';
import { serializeOperation } from '../serializers/replica-serializer.js';
import { serializeRestoreResult, serializeSnapshotList, serializeSnapshotResult } from '../serializers/snapshot-result-serializer.js';

const BASE = '/api/v1/containers/:container/snapshots';
const TAG = 'snapshots';

function label(name: string, alias: string | null): string {
  return alias === null ? name : `${name} ("${alias}")`;
}

export function snapshotRoutes(snapshots: SnapshotsApi): RouteDefinition[] {
  // A frozen list answer (a page the cache keeps, core/snapshot-list-cache.ts) keeps the JSON data built for it.
  const listed = new WeakMap<SnapshotListResult, { limit: number; offset: number; data: SnapshotListJson }>();
  return [
    defineRoute({
      method: 'POST',
      path: BASE,
      operationId: 'createSnapshot',
      summary: 'Snapshot everything the container wrote to disk (rootfs layer and pool mounts).',
      tag: TAG,
      auth: true,
      role: 'operator',
      successStatus: 201,
      request: { params: containerParamsSchema, body: createSnapshotBodySchema },
      response: snapshotResultSchema,
      errorStatuses: [404, 409, 503, 507],
      async handle({ params, body }) {
        const result = await snapshots.create(params.container, {
          quiesce: body.quiesce,
          ...(body.alias !== undefined && { alias: body.alias }),
          ...(body.expiry !== undefined && { expiryDays: body.expiry }),
          ...(body.tags !== undefined && { tags: body.tags }),
        });
        return {
          status: 201,
          message: `Snapshot ${label(result.snapshot.name, result.snapshot.alias)} of container ${result.container.name} created.`,
          data: serializeSnapshotResult(result),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: BASE,
      operationId: 'listSnapshots',
      summary: "List a container's snapshots, newest first.",
      tag: TAG,
      auth: true,
      role: 'viewer',
      request: { params: containerParamsSchema, query: listSnapshotsQuerySchema },
      response: snapshotListSchema,
      stableData: true,
      errorStatuses: [404, 409, 503],
      async handle({ params, query }) {
        const input: ListSnapshotsQuery = {
          limit: query.limit,
          offset: query.offset,
          ...(query.alias !== undefined && { alias: query.alias }),
          ...(query.state !== undefined && { state: query.state }),
          ...(query.origin !== undefined && { origin: query.origin }),
          ...(query.tag !== undefined && { tag: query.tag }),
        };
        const result = await snapshots.list(params.container, input);
        const page = { limit: query.limit, offset: query.offset };
        // Only a frozen result (a page the cache keeps) can come again: remembering every answer would keep
        // each one's JSON alive until a GC, which doubled the cost of an uncached list.
        const before = Object.isFrozen(result) ? listed.get(result) : undefined;
        let data = before !== undefined && before.limit === page.limit && before.offset === page.offset ? before.data : serializeSnapshotList(result, page);
        if (Object.isFrozen(result) && before?.data !== data) {
          data = Object.freeze(data);
          listed.set(result, { ...page, data });
        }
        return { message: `${result.snapshots.length} of ${result.total} snapshots of container ${result.container.name}.`, data };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/:snapshot`,
      operationId: 'getSnapshot',
      summary: 'One snapshot, by name or alias.',
      tag: TAG,
      auth: true,
      role: 'viewer',
      request: { params: snapshotParamsSchema },
      response: snapshotResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params }) {
        const result = await snapshots.get(params.container, params.snapshot);
        return {
          message: `Snapshot ${label(result.snapshot.name, result.snapshot.alias)} of container ${result.container.name}.`,
          data: serializeSnapshotResult(result),
        };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: `${BASE}/:snapshot`,
      operationId: 'restoreSnapshot',
      summary:
        'Restore the container to this snapshot (newer snapshots are kept). With `Prefer: respond-async`: 202 with the operation at once (GET /operations/:id).',
      tag: TAG,
      auth: true,
      role: 'operator',
      request: { params: snapshotParamsSchema, body: restoreSnapshotBodySchema },
      response: restoreResultSchema,
      errorStatuses: [404, 409, 503, 507],
      async handle({ params, body, ctx }) {
        if (prefersAsync(ctx.get('prefer')) && snapshots.restoreInBackground !== undefined) {
          const operation = await snapshots.restoreInBackground(params.container, params.snapshot, {
            safetySnapshot: body.safety_snapshot,
            stopSharingContainers: body.stop_sharing_containers,
          });
          ctx.set('preference-applied', 'respond-async');
          ctx.set('location', `/api/v1/operations/${String(operation.id)}`);
          return { status: 202, message: `Restore started as operation ${String(operation.id)}.`, data: { operation: serializeOperation(operation) } };
        }
        const result = await snapshots.restore(params.container, params.snapshot, {
          safetySnapshot: body.safety_snapshot,
          stopSharingContainers: body.stop_sharing_containers,
        });
        const seconds = (result.durations.totalMs / 1000).toFixed(2);
        const safety = result.safetySnapshot === null ? '' : ` Safety snapshot ${result.safetySnapshot.name} holds the state before.`;
        const sharing = result.stoppedSharingContainers.length === 0 ? '' : ` Stopped and started again (sharing a dataset): ${result.stoppedSharingContainers.join(', ')}.`;
        return {
          message: `Container ${result.container.name} restored to snapshot ${label(result.snapshot.name, result.snapshot.alias)} in ${seconds} s.${safety}${sharing}`,
          data: serializeRestoreResult(result),
        };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: `${BASE}/:snapshot`,
      operationId: 'updateSnapshot',
      summary: "Change a snapshot's alias, expiry or tags (null clears alias or expiry).",
      tag: TAG,
      auth: true,
      role: 'operator',
      request: { params: snapshotParamsSchema, body: updateSnapshotBodySchema },
      response: snapshotResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params, body }) {
        const result = await snapshots.update(params.container, params.snapshot, {
          ...(body.alias !== undefined && { alias: body.alias }),
          ...(body.expiry !== undefined && { expiryDays: body.expiry }),
          ...(body.tags !== undefined && { tags: body.tags }),
        });
        return {
          message: `Snapshot ${label(result.snapshot.name, result.snapshot.alias)} of container ${result.container.name} updated.`,
          data: serializeSnapshotResult(result),
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/:snapshot`,
      operationId: 'deleteSnapshot',
      summary: 'Delete a snapshot: its storage and its record.',
      tag: TAG,
      auth: true,
      role: 'operator',
      request: { params: snapshotParamsSchema },
      response: snapshotResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params }) {
        const result = await snapshots.delete(params.container, params.snapshot);
        return {
          message: `Snapshot ${label(result.snapshot.name, result.snapshot.alias)} of container ${result.container.name} deleted.`,
          data: serializeSnapshotResult(result),
        };
      },
    }),
  ];
}
