/** Replicas of a snapshot in remotes (design.md §8): push (202 + operation), delete, verify. */
import type { PushResult, VerifyResult } from '../../core/replica-service.js';
import type { ContainerRecord } from '../../core/model.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { snapshotParamsSchema } from '../schemas/common-schemas.js';
import {
  deleteReplicaResultSchema,
  pushReplicaBodySchema,
  pushReplicaResultSchema,
  replicaParamsSchema,
  verifyResultSchema,
} from '../schemas/replica-schemas.js';
import { serializeOperation, serializeReplica } from '../serializers/replica-serializer.js';

export interface ReplicasApi {
  pushByHand(containerRef: string, snapshotRef: string, remoteId: string, options: { expiryDays?: number }): Promise<PushResult>;
  deleteReplica(containerRef: string, snapshotRef: string, remoteId: string): Promise<{ container: ContainerRecord; snapshotName: string; remoteId: string }>;
  verify(containerRef: string, snapshotRef: string, remoteId: string): Promise<VerifyResult>;
}

const BASE = '/api/v1/containers/:container/snapshots/:snapshot/replicas';
const TAG = 'replicas';

export function replicaRoutes(api: ReplicasApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'POST',
      path: BASE,
      operationId: 'pushReplica',
      summary: 'Upload the snapshot to a remote in the background (incremental when its previous replica is there); follow the returned operation.',
      tag: TAG,
      auth: true,
      role: 'operator',
      successStatus: 202,
      request: { params: snapshotParamsSchema, body: pushReplicaBodySchema },
      response: pushReplicaResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params, body }) {
        const { remote, expiry } = body;
        const result = await api.pushByHand(params.container, params.snapshot, remote, expiry === undefined ? {} : { expiryDays: expiry });
        return {
          status: 202,
          message: `Uploading ${result.snapshot.name} of ${result.container.name} to remote ${remote} (operation ${String(result.operation.id)}).`,
          data: {
            container_id: result.container.id,
            project_id: result.container.projectId,
            snapshot: result.snapshot.name,
            replica: serializeReplica(result.replica),
            operation: serializeOperation(result.operation),
          },
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/:remote`,
      operationId: 'deleteReplica',
      summary: 'Delete the replica from the remote; refused (409) while an incremental replica depends on it. The local snapshot is not touched.',
      tag: TAG,
      auth: true,
      role: 'operator',
      request: { params: replicaParamsSchema },
      response: deleteReplicaResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params }) {
        const result = await api.deleteReplica(params.container, params.snapshot, params.remote);
        return {
          message: `Replica of ${result.snapshotName} deleted from remote ${result.remoteId}.`,
          data: { container_id: result.container.id, snapshot: result.snapshotName, remote: result.remoteId },
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: `${BASE}/:remote/verify`,
      operationId: 'verifyReplica',
      summary: "Read the replica back from the bucket and check every chunk's tag and each stream's sha256; `ok` says whether it is intact.",
      tag: TAG,
      auth: true,
      role: 'operator',
      request: { params: replicaParamsSchema },
      response: verifyResultSchema,
      errorStatuses: [404, 503],
      async handle({ params }) {
        const result = await api.verify(params.container, params.snapshot, params.remote);
        const bad = result.streams.filter((stream) => !stream.ok);
        const message = result.ok
          ? `Replica of ${result.snapshotName} in remote ${result.remoteId} verified: ${String(result.streams.length)} stream(s) intact.`
          : `Replica of ${result.snapshotName} in remote ${result.remoteId} is damaged: ${bad.map((s) => `stream ${String(s.index)} (${s.mountPoint}): ${s.problem ?? 'failed'}`).join('; ')}.`;
        return {
          message,
          data: {
            container_id: result.containerId,
            snapshot: result.snapshotName,
            remote: result.remoteId,
            ok: result.ok,
            streams: result.streams.map((s) => ({ index: s.index, role: s.role, mount_point: s.mountPoint, ok: s.ok, bytes: s.plainBytes, problem: s.problem })),
          },
        };
      },
    }),
  ];
}
