/**
 * Quotas (design.md §9), checked before anything is created and in the same IMMEDIATE transaction as
 * the row that reserves the new thing: two concurrent creates (in this process or another) cannot both
 * see "one left" and overshoot. Byte quotas cannot know the new thing's size in advance; they refuse
 * once the project's use has reached the limit.
 */
import { QuotaExceededError, type QuotaDetail } from '../../errors/quota-exceeded-error.js';
import type { ProjectQuotas, ProjectUsage } from './project.js';

export interface QuotaStorePort {
  /** Runs fn in an IMMEDIATE transaction (the write lock is taken before the usage is read). */
  exclusive<T>(fn: () => T): T;
  getProject(id: string): { quotas: ProjectQuotas } | undefined;
  usage(id: string): ProjectUsage;
}

export class QuotaGuard {
  constructor(private readonly store: QuotaStorePort) {}

  /** A new snapshot of the project: count and bytes. */
  snapshot<T>(projectId: string, reserve: () => T): T {
    return this.store.exclusive(() => {
      const quotas = this.store.getProject(projectId)?.quotas;
      if (quotas !== undefined) {
        const use = this.store.usage(projectId);
        refuseAt(projectId, 'max_snapshots', quotas.maxSnapshots, use.snapshots, 'snapshots');
        refuseAt(projectId, 'max_snapshot_bytes', quotas.maxSnapshotBytes, use.snapshotBytes, 'bytes of snapshots');
      }
      return reserve();
    });
  }

  schedule<T>(projectId: string, insert: () => T): T {
    return this.store.exclusive(() => {
      const quotas = this.store.getProject(projectId)?.quotas;
      if (quotas !== undefined) refuseAt(projectId, 'max_schedules', quotas.maxSchedules, this.store.usage(projectId).schedules, 'schedules');
      return insert();
    });
  }

  /**
   * A container moving into `projectId` with what it holds (`moving`): refused, naming every quota it would
   * take the project past, when the project's use plus the container's exceeds a limit. Unlike a create,
   * which is refused once the use has reached a limit, a move knows its size: it may fill a quota exactly.
   */
  move<T>(projectId: string, containerName: string, moving: () => Omit<ProjectUsage, 'containers'>, assign: () => T): T {
    return this.store.exclusive(() => {
      const quotas = this.store.getProject(projectId)?.quotas;
      if (quotas !== undefined) {
        const use = this.store.usage(projectId);
        const add = moving();
        const over: QuotaDetail[] = [];
        const check = (quota: string, limit: number | null, used: number, adding: number, remote?: string): void => {
          if (limit === null || adding === 0 || used + adding <= limit) return;
          over.push(quotaDetail(projectId, quota, limit, used, `${String(used)} used + ${String(adding)} moving in > ${String(limit)}`, remote));
        };
        check('max_snapshots', quotas.maxSnapshots, use.snapshots, add.snapshots);
        check('max_snapshot_bytes', quotas.maxSnapshotBytes, use.snapshotBytes, add.snapshotBytes);
        check('max_schedules', quotas.maxSchedules, use.schedules, add.schedules);
        for (const [remote, limit] of Object.entries(quotas.maxReplicaBytes)) {
          check('max_replica_bytes', limit, use.replicaBytes[remote] ?? 0, add.replicaBytes[remote] ?? 0, remote);
        }
        if (over.length > 0) {
          const names = over.map((detail) => detail.quota + (detail.remote === undefined ? '' : ` (remote ${detail.remote})`)).join(', ');
          throw new QuotaExceededError(`Moving container ${containerName} into project ${projectId} would take it past its quotas: ${names}; nothing was moved.`, over);
        }
      }
      return assign();
    });
  }

  replica<T>(projectId: string, remoteId: string, begin: () => T): T {
    return this.store.exclusive(() => {
      const limit = this.store.getProject(projectId)?.quotas.maxReplicaBytes[remoteId];
      if (limit !== undefined) {
        const used = this.store.usage(projectId).replicaBytes[remoteId] ?? 0;
        refuseAt(projectId, 'max_replica_bytes', limit, used, `bytes of replicas in remote ${remoteId}`, remoteId);
      }
      return begin();
    });
  }
}

function refuseAt(project: string, quota: string, limit: number | null, used: number, what: string, remote?: string): void {
  if (limit === null || used < limit) return;
  const detail = quotaDetail(project, quota, limit, used, `${String(used)} of ${String(limit)} used`, remote);
  throw new QuotaExceededError(`Project ${project} has used its quota of ${String(limit)} ${what} (${quota}); nothing was created.`, [detail]);
}

/** One quota in a 403 quota_exceeded: which, its limit and the use (`use` says how they compare). */
function quotaDetail(project: string, quota: string, limit: number, used: number, use: string, remote?: string): QuotaDetail {
  return { path: '', message: `${quota}: ${use}`, quota, project, limit, used, ...(remote !== undefined && { remote }) };
}
