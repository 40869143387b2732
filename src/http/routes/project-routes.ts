/** Projects and their quotas (design.md §9), and moving a container into a project. */
import { currentAccess } from '../../core/access/access-context.js';
import type { ProjectService } from '../../core/access/project-service.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import {
  assignProjectBodySchema,
  assignProjectParamsSchema,
  assignProjectResultSchema,
  createProjectBodySchema,
  projectListSchema,
  projectParamsSchema,
  projectResultSchema,
  updateProjectBodySchema,
} from '../schemas/access-schemas.js';
import { quotasFromBody, serializeProject } from '../serializers/access-serializer.js';

const BASE = '/api/v1/projects';
const TAG = 'projects';

export type ProjectsApi = Pick<ProjectService, 'list' | 'get' | 'create' | 'setQuotas' | 'delete' | 'assign'>;

export function projectRoutes(api: ProjectsApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: BASE,
      operationId: 'listProjects',
      summary: "Projects with their quotas and use (a project's key sees only its own).",
      tag: TAG,
      auth: true,
      role: 'viewer',
      request: {},
      response: projectListSchema,
      handle() {
        const projects = api.list(currentAccess());
        return Promise.resolve({ message: `${String(projects.length)} project(s).`, data: { projects: projects.map(serializeProject) } });
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${BASE}/:project`,
      operationId: 'getProject',
      summary: "One project: its quotas next to what it uses.",
      tag: TAG,
      auth: true,
      role: 'viewer',
      request: { params: projectParamsSchema },
      response: projectResultSchema,
      errorStatuses: [404],
      handle({ params }) {
        const view = api.get(currentAccess(), params.project);
        return Promise.resolve({ message: `Project ${view.project.id}: ${String(view.usage.snapshots)} snapshot(s), ${String(view.usage.containers)} container(s).`, data: { project: serializeProject(view) } });
      },
    }),
    defineRoute({
      method: 'POST',
      path: BASE,
      operationId: 'createProject',
      summary: 'Create a project, optionally with quotas.',
      tag: TAG,
      auth: true,
      role: 'admin',
      allProjects: true,
      successStatus: 201,
      request: { body: createProjectBodySchema },
      response: projectResultSchema,
      errorStatuses: [403, 409],
      handle({ body }) {
        const view = api.create(body.id, quotasFromBody(body));
        return Promise.resolve({ status: 201, message: `Project ${view.project.id} created.`, data: { project: serializeProject(view) } });
      },
    }),
    defineRoute({
      method: 'PUT',
      path: `${BASE}/:project`,
      operationId: 'updateProject',
      summary: "Change a project's quotas (null = unlimited; fields left out stay).",
      tag: TAG,
      auth: true,
      role: 'admin',
      allProjects: true,
      request: { params: projectParamsSchema, body: updateProjectBodySchema },
      response: projectResultSchema,
      errorStatuses: [403, 404],
      handle({ params, body }) {
        const view = api.setQuotas(params.project, quotasFromBody(body));
        return Promise.resolve({ message: `Quotas of project ${view.project.id} set.`, data: { project: serializeProject(view) } });
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${BASE}/:project`,
      operationId: 'deleteProject',
      summary: 'Delete a project that has no containers and no active keys (409 otherwise; default cannot go).',
      tag: TAG,
      auth: true,
      role: 'admin',
      allProjects: true,
      request: { params: projectParamsSchema },
      response: projectResultSchema,
      errorStatuses: [403, 404, 409],
      handle({ params }) {
        const view = api.delete(params.project);
        return Promise.resolve({ message: `Project ${view.project.id} deleted.`, data: { project: serializeProject(view) } });
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/v1/containers/:container',
      operationId: 'assignContainerProject',
      summary: 'Move a container, with its snapshots and schedules, into another project.',
      tag: 'containers',
      auth: true,
      role: 'admin',
      allProjects: true,
      request: { params: assignProjectParamsSchema, body: assignProjectBodySchema },
      response: assignProjectResultSchema,
      errorStatuses: [403, 404, 409, 503],
      async handle({ params, body }) {
        const project = body.project;
        const { container, from } = await api.assign(params.container, project);
        return {
          message: `Container ${container.name} moved from project ${from} to ${container.projectId}.`,
          data: { container_id: container.id, name: container.name, project_id: container.projectId, previous_project_id: from },
        };
      },
    }),
  ];
}
