/** Projects, API keys and audit entries as the API shows them (snake_case, ISO times). */
import type { ApiKeyRecord } from '../../core/access/api-key.js';
import type { AuditEntry } from '../../core/access/audit.js';
import type { ProjectQuotas } from '../../core/access/project.js';
import type { ProjectView } from '../../core/access/project-service.js';
import type { SchemaType } from '../schema-type.js';
import type { updateProjectBodySchema } from '../schemas/access-schemas.js';

export function serializeProject({ project, usage }: ProjectView): object {
  return {
    id: project.id,
    created_at: project.createdAt.toISOString(),
    quotas: {
      max_snapshots: project.quotas.maxSnapshots,
      max_snapshot_bytes: project.quotas.maxSnapshotBytes,
      max_schedules: project.quotas.maxSchedules,
      max_replica_bytes: project.quotas.maxReplicaBytes,
    },
    usage: {
      containers: usage.containers,
      snapshots: usage.snapshots,
      snapshot_bytes: usage.snapshotBytes,
      schedules: usage.schedules,
      replica_bytes: usage.replicaBytes,
    },
  };
}

/** The quota fields a request body gave (absent ones stay as they are). */
export function quotasFromBody(body: SchemaType<typeof updateProjectBodySchema>): Partial<ProjectQuotas> {
  return {
    ...(body.max_snapshots !== undefined && { maxSnapshots: body.max_snapshots }),
    ...(body.max_snapshot_bytes !== undefined && { maxSnapshotBytes: body.max_snapshot_bytes }),
    ...(body.max_schedules !== undefined && { maxSchedules: body.max_schedules }),
    ...(body.max_replica_bytes !== undefined && { maxReplicaBytes: body.max_replica_bytes }),
  };
}

export function serializeKey(key: ApiKeyRecord): object {
  return {
    id: key.id,
    name: key.name,
    project: key.project,
    role: key.role,
    created_at: key.createdAt.toISOString(),
    created_by: key.createdBy,
    expires_at: key.expiresAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

export function serializeAuditEntry(entry: AuditEntry): object {
  return {
    id: entry.id,
    at: entry.at.toISOString(),
    key_id: entry.keyId,
    project_id: entry.projectId,
    action: entry.action,
    target: entry.target,
    result: entry.result,
    request_id: entry.requestId,
  };
}
