/**
 * Projects: create, list with use next to limits, change quotas, delete an empty one, and move a
 * container (with its snapshots) into a project. A project's key sees only its own project.
 */
import { ConflictError } from '../../errors/conflict-error.js';
import { NotFoundError } from '../../errors/not-found-error.js';
import type { Clock } from '../clock.js';
import type { ContainerResolver } from '../container-resolver.js';
import type { ContainerRecord } from '../model.js';
import { currentAccess, type AccessContext } from './access-context.js';
import { NO_QUOTAS, type ProjectQuotas, type ProjectRecord, type ProjectUsage } from './project.js';
import { DEFAULT_PROJECT } from './role.js';

export interface ProjectView {
  readonly project: ProjectRecord;
  readonly usage: ProjectUsage;
}

export interface ProjectStorePort {
  createProject(id: string, quotas: ProjectQuotas, at: Date): ProjectRecord;
  setQuotas(id: string, quotas: ProjectQuotas): ProjectRecord | undefined;
  getProject(id: string): ProjectRecord | undefined;
  listProjects(): ProjectRecord[];
  deleteProject(id: string): void;
  usage(id: string): ProjectUsage;
}

export class ProjectService {
  constructor(
    private readonly deps: {
      readonly projects: ProjectStorePort;
      readonly resolver: Pick<ContainerResolver, 'resolve'>;
      /** Moves the container with its snapshots and schedules; refused (quota_exceeded) when they do not fit the project's quotas. */
      readonly assignContainer: (container: ContainerRecord, project: string) => ContainerRecord | undefined;
      readonly activeKeysOf: (project: string) => number;
      readonly clock: Clock;
    },
  ) {}

  list(access: AccessContext): ProjectView[] {
    return this.deps.projects.listProjects().filter((p) => access.canSee(p.id)).map((project) => this.view(project));
  }

  get(access: AccessContext, id: string): ProjectView {
    const project = this.deps.projects.getProject(id);
    if (project === undefined || !access.canSee(id)) throw notFound(id);
    return this.view(project);
  }

  create(id: string, quotas: Partial<ProjectQuotas>): ProjectView {
    currentAccess().targetProject = id;
    if (this.deps.projects.getProject(id) !== undefined) throw new ConflictError('project_exists', `Project ${id} exists already.`);
    return this.view(this.deps.projects.createProject(id, { ...NO_QUOTAS, ...quotas }, this.deps.clock.now()));
  }

  /** Fields given replace the current limits (null = unlimited); fields left out stay. */
  setQuotas(id: string, quotas: Partial<ProjectQuotas>): ProjectView {
    currentAccess().targetProject = id;
    const current = this.deps.projects.getProject(id);
    if (current === undefined) throw notFound(id);
    const updated = this.deps.projects.setQuotas(id, { ...current.quotas, ...quotas });
    if (updated === undefined) throw notFound(id);
    return this.view(updated);
  }

  delete(id: string): ProjectView {
    currentAccess().targetProject = id;
    const project = this.deps.projects.getProject(id);
    if (project === undefined) throw notFound(id);
    if (id === DEFAULT_PROJECT) throw new ConflictError('project_not_empty', 'The default project holds every unassigned container; it cannot be deleted.');
    const view = this.view(project);
    const keys = this.deps.activeKeysOf(id);
    if (view.usage.containers > 0 || keys > 0) {
      throw new ConflictError(
        'project_not_empty',
        `Project ${id} still has ${String(view.usage.containers)} container(s) and ${String(keys)} active key(s); move the containers and revoke the keys first.`,
      );
    }
    this.deps.projects.deleteProject(id);
    return view;
  }

  async assign(containerRef: string, projectId: string): Promise<{ container: ContainerRecord; from: string }> {
    if (this.deps.projects.getProject(projectId) === undefined) throw notFound(projectId);
    const { record } = await this.deps.resolver.resolve(containerRef);
    const moved = this.deps.assignContainer(record, projectId);
    // Audited under the project it moved to (the entry's target names the container).
    currentAccess().targetProject = projectId;
    if (moved === undefined) throw new NotFoundError('container_not_found', `No container "${containerRef}" in cowsnap's records.`);
    return { container: moved, from: record.projectId };
  }

  private view(project: ProjectRecord): ProjectView {
    return { project, usage: this.deps.projects.usage(project.id) };
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError('project_not_found', `There is no project "${id}".`);
}
