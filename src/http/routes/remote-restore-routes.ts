/**
 * Restore, copy and recovery from remotes (design.md §8). Each downloads what the local pool lacks and
 * takes time: 202 with an operation to follow (GET /operations/:id). Restore is addressed as the
 * replica it uses (`.../replicas/:remote/restore`), so it works when the local snapshot is gone;
 * copy and recovery are addressed in the remote, since the container may never have been on this host.
 */
import type { NewContainerInput, RecoverInput, RemoteCopyInput, RemoteCopyStarted } from '../../core/remote-copy-service.js';
import type { RemoteRestoreInput, RemoteRestoreStarted } from '../../core/remote-restore-service.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { remoteParamsSchema, replicaParamsSchema } from '../schemas/replica-schemas.js';
import {
  copyFromRemoteBodySchema,
  recoverBodySchema,
  remoteCopyResultSchema,
  remoteSnapshotParamsSchema,
  restoreFromRemoteBodySchema,
  restoreFromRemoteResultSchema,
} from '../schemas/remote-restore-schemas.js';
import { serializeOperation } from '../serializers/replica-serializer.js';

export interface RemoteRestoreApi {
  restoreFromRemote(containerRef: string, snapshotRef: string, remoteId: string, input: RemoteRestoreInput): Promise<RemoteRestoreStarted>;
  copyFromRemote(remoteId: string, containerId: string, snapshotName: string, input: RemoteCopyInput): Promise<RemoteCopyStarted>;
  recover(remoteId: string, input: RecoverInput): Promise<RemoteCopyStarted>;
  /** Throws 404 project_not_found unless the key may put a new container in the project (access-wiring.ts). */
  checkTargetProject?(projectId: string): void;
}

function copyData(result: RemoteCopyStarted): Record<string, unknown> {
  return {
    source_container_id: result.sourceContainerId,
    source_container_name: result.sourceContainerName,
    snapshot: result.snapshotName,
    remote: result.remoteId,
    name: result.name,
    operation: serializeOperation(result.operation),
  };
}

export function remoteRestoreRoutes(api: RemoteRestoreApi): RouteDefinition[] {
  /** What a copy from a remote and a recovery share; a named target project is checked before anything starts. */
  const newContainer = (body: { start: boolean; expiry?: number; target_project_id?: string }): NewContainerInput => {
    if (body.target_project_id !== undefined) api.checkTargetProject?.(body.target_project_id);
    return {
      start: body.start,
      ...(body.expiry !== undefined && { expiryDays: body.expiry }),
      ...(body.target_project_id !== undefined && { targetProject: body.target_project_id }),
    };
  };

  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/containers/:container/snapshots/:snapshot/replicas/:remote/restore',
      operationId: 'restoreFromRemote',
      summary:
        'Restore the container from its replica in the remote, also when the local snapshot is gone: download what the pool lacks, receive it, then restore as from a local snapshot. Follow the returned operation.',
      tag: 'replicas',
      auth: true,
      role: 'operator',
      successStatus: 202,
      request: { params: replicaParamsSchema, body: restoreFromRemoteBodySchema },
      response: restoreFromRemoteResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params, body }) {
        const result = await api.restoreFromRemote(params.container, params.snapshot, params.remote, {
          safetySnapshot: body.safety_snapshot,
          stopSharingContainers: body.stop_sharing_containers,
          ...(body.expiry !== undefined && { expiryDays: body.expiry }),
        });
        return {
          status: 202,
          message: `Restoring ${result.container.name} to ${result.snapshotName} from remote ${result.remoteId} (operation ${String(result.operation.id)}).`,
          data: { container_id: result.container.id, snapshot: result.snapshotName, remote: result.remoteId, operation: serializeOperation(result.operation) },
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/remotes/:remote/snapshots/:container_id/:snapshot/copy',
      operationId: 'copyFromRemote',
      summary:
        "A new container on this host from a replica any host pushed: its recorded configuration, its filesystems received and cloned. The image must be on this host (409 image_not_found names it). Follow the returned operation.",
      tag: 'remotes',
      auth: true,
      role: 'operator',
      allProjects: true,
      successStatus: 202,
      request: { params: remoteSnapshotParamsSchema, body: copyFromRemoteBodySchema },
      response: remoteCopyResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params, body }) {
        const result = await api.copyFromRemote(params.remote, params.container_id, params.snapshot, { name: body.name, ...newContainer(body) });
        return {
          status: 202,
          message: `Copying ${result.snapshotName} of ${result.sourceContainerName} from remote ${result.remoteId} to ${result.name} (operation ${String(result.operation.id)}).`,
          data: copyData(result),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/remotes/:remote/recover',
      operationId: 'recoverFromRemote',
      summary:
        "Disaster recovery: recreate a container on this host at its newest replica in the remote, under its old name when that is free. Follow the returned operation.",
      tag: 'remotes',
      auth: true,
      role: 'admin',
      allProjects: true,
      successStatus: 202,
      request: { params: remoteParamsSchema, body: recoverBodySchema },
      response: remoteCopyResultSchema,
      errorStatuses: [404, 409, 503],
      async handle({ params, body }) {
        const result = await api.recover(params.remote, { container: body.container, ...(body.name !== undefined && { name: body.name }), ...newContainer(body) });
        return {
          status: 202,
          message: `Recovering ${result.sourceContainerName} as ${result.name} from its newest replica ${result.snapshotName} in remote ${result.remoteId} (operation ${String(result.operation.id)}).`,
          data: copyData(result),
        };
      },
    }),
  ];
}
