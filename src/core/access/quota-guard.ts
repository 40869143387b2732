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
  const detail: QuotaDetail = {
    path: '',
    message: `${quota}: ${String(used)} of ${String(limit)} used`,
    quota,
    project,
    limit,
    used,
    ...(remote !== undefined && { remote }),
  };
  throw new QuotaExceededError(`Project ${project} has used its quota of ${String(limit)} ${what} (${quota}); nothing was created.`, detail);
}
