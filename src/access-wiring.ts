/**
 * Wires projects, API keys, quotas and the audit log (design.md §9) into the service: the stores, the
 * access-control dependencies of the router, the routes, and the few store and service wrappers that
 * put quota checks and background audit entries where the work happens. Kept out of service.ts so the
 * composition root only plugs these in.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { currentAccess } from './core/access/access-context.js';
import { AuditLog } from './core/access/audit-log.js';
import { Authenticator } from './core/access/authenticator.js';
import { KeyService } from './core/access/key-service.js';
import { registerProjectMetrics } from './core/access/project-metrics.js';
import { ProjectService } from './core/access/project-service.js';
import { QuotaGuard } from './core/access/quota-guard.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimit } from './core/access/rate-limiter.js';
import { DEFAULT_PROJECT } from './core/access/role.js';
import type { Clock } from './core/clock.js';
import { daysBefore } from './core/day-offsets.js';
import type { ContainerResolver } from './core/container-resolver.js';
import type { OperationRecord, OperationStorePort, OperationQuery } from './core/operations.js';
import type { RemoteSnapshotsQuery } from './core/remote-catalog.js';
import type { ScheduleStorePort } from './core/schedule-model.js';
import type { SnapshotCreator } from './core/snapshot-creator.js';
import type { SnapshotDeleter } from './core/snapshot-deleter.js';
import type { AccessControlDeps } from './http/middleware/access-control.js';
import type { RouteDefinition } from './http/route-definition.js';
import { auditRoutes } from './http/routes/audit-routes.js';
import { keyRoutes } from './http/routes/key-routes.js';
import { projectRoutes } from './http/routes/project-routes.js';
import { ApiKeyStore } from './store/api-key-store.js';
import { AuditStore } from './store/audit-store.js';
import type { CowsnapStore } from './store/cowsnap-store.js';
import type { Database } from './store/database.js';
import { ProjectStore } from './store/project-store.js';
import { overriding } from './store/store-override.js';
import { NotFoundError } from './errors/not-found-error.js';

export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

export interface AccessOptions {
  readonly db: Database;
  readonly store: CowsnapStore;
  readonly resolver: ContainerResolver;
  readonly bootstrapToken: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly rateLimit?: RateLimit;
  readonly auditRetentionDays?: number;
  readonly metricsRegistry?: Registry;
}

export function wireAccess(options: AccessOptions) {
  const { db, store, clock } = options;
  const projects = new ProjectStore(db);
  const keys = new ApiKeyStore(db);
  const auditStore = new AuditStore(db);
  const audit = new AuditLog(auditStore, clock, options.logger);
  const authenticator = new Authenticator({ bootstrapToken: options.bootstrapToken, keys, clock });
  const quota = new QuotaGuard({
    exclusive: (fn) => db.transaction(fn).immediate(),
    getProject: (id) => projects.getProject(id),
    usage: (id) => projects.usage(id),
  });
  const projectService = new ProjectService({
    projects,
    resolver: options.resolver,
    // Into another project only with what the container holds fitting that project's quotas.
    assignContainer: (container, project) =>
      container.projectId === project
        ? store.containers.assignProject(container.id, project)
        : quota.move(project, container.name, () => projects.containerUsage(container.id), () => store.containers.assignProject(container.id, project)),
    activeKeysOf: (project) => keys.countKeysOfProject(project),
    clock,
  });
  const keyService = new KeyService({
    keys,
    projectExists: (id) => projects.getProject(id) !== undefined,
    clock,
    forget: (id) => {
      authenticator.forget(id);
    },
  });
  if (options.metricsRegistry !== undefined) {
    registerProjectMetrics(options.metricsRegistry, () => projects.listProjects().map((project) => ({ project, usage: projects.usage(project.id) })));
  }
  const projectOf = (containerId: string | null): string | undefined => (containerId === null ? undefined : store.getContainer(containerId)?.projectId);
  const retentionDays = options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;

  const http: AccessControlDeps = { authenticator, rateLimiter: new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT), audit };
  const routes: RouteDefinition[] = [...projectRoutes(projectService), ...keyRoutes(keyService), ...auditRoutes(auditStore)];

  return {
    http,
    routes,
    audit,
    projects,

    /** The store SnapshotCreator writes through: a new snapshot's reservation checks its project's quotas. */
    snapshotQuota<T extends Pick<CowsnapStore, 'reserveSnapshot'>>(target: T): T {
      return overriding<T>(target, { reserveSnapshot: (input) => quota.snapshot(input.projectId, () => target.reserveSnapshot(input)) } as Partial<T>);
    },

    /** The schedule store the schedule API writes through: max_schedules. */
    scheduleQuota(target: ScheduleStorePort): ScheduleStorePort {
      return overriding(target, {
        createSchedule: (input) => quota.schedule(projectOf(input.containerId) ?? DEFAULT_PROJECT, () => target.createSchedule(input)),
      });
    },

    /**
     * The operation store the replica service writes through (its only kind is replica.upload): a push's operation (the first row it
     * writes) checks max_replica_bytes. Uploads resumed at start-up (no request) are never refused.
     */
    replicaQuota(target: OperationStorePort): OperationStorePort {
      return overriding(target, {
        createOperation: (input, status) => {
          const system = currentAccess().principal.keyId === 'system';
          if (system || input.target === null) return target.createOperation(input, status);
          return quota.replica(projectOf(input.containerId) ?? DEFAULT_PROJECT, input.target, () => target.createOperation(input, status));
        },
      });
    },

    /** The reaper's deleter: each expiry delete is audited as `system`. */
    auditedDeleter(deleter: Pick<SnapshotDeleter, 'delete'>): Pick<SnapshotDeleter, 'delete'> {
      return {
        delete: (snapshot) => audit.system('reaper.delete', `${snapshot.containerName}/${snapshot.name}`, snapshot.projectId, () => deleter.delete(snapshot)),
      };
    },

    /** The scheduler's creator: each scheduled snapshot is audited as `system`. */
    auditedCreator(creator: Pick<SnapshotCreator, 'create'>): Pick<SnapshotCreator, 'create'> {
      return {
        create: (container, input, createOptions) =>
          audit.system('schedule.run', `${container.record.name} (${input.origin})`, container.record.projectId, () => creator.create(container, input, createOptions), 201),
      };
    },

    /** GET /operations/:id: another project's operation is absent. */
    visibleOperation(operation: OperationRecord | undefined): OperationRecord | undefined {
      if (operation === undefined) return undefined;
      return currentAccess().canSee(projectOf(operation.containerId) ?? DEFAULT_PROJECT) ? operation : undefined;
    },

    /** GET /operations: a project's key lists its project's operations. */
    scopedOperations(query: OperationQuery): OperationQuery {
      const project = currentAccess().projectFilter;
      return project === undefined ? query : { ...query, projectId: project };
    },

    /**
     * A copy's `target_project_id`: a project that exists and the key may see (a project's key: its own).
     * Any other answers 404 project_not_found, as a project the key cannot see does everywhere.
     */
    checkCopyTarget(projectId: string): void {
      if (projects.getProject(projectId) !== undefined && currentAccess().canSee(projectId)) return;
      throw new NotFoundError('project_not_found', `There is no project "${projectId}".`);
    },

    /**
     * Remote listings: a project's key sees replicas of its project's containers only (known on this host),
     * filtered before the page is cut (RemoteSnapshotsQuery.visible).
     */
    scopedRemoteQuery(query: RemoteSnapshotsQuery): RemoteSnapshotsQuery {
      const access = currentAccess();
      if (access.allProjects) return query;
      return { ...query, visible: (containerId) => access.canSee(projectOf(containerId) ?? '') };
    },

    /** Audit entries older than the retention go (run with the reaper). */
    pruneAudit(): number {
      return auditStore.pruneBefore(daysBefore(clock.now(), retentionDays));
    },
  };
}
