/** Copy datasets left by removed copies: listed with who uses them, reclaimed only on request (core/copy-datasets.ts). */
import type { CopyDataset } from '../../core/copy-datasets.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';

export interface CopyDatasetsApi {
  list(): Promise<CopyDataset[]>;
  reclaim(pool: string, name: string): Promise<CopyDataset>;
}

const copyDatasetSchema = {
  type: 'object',
  properties: {
    pool: { type: 'string' },
    name: { type: 'string' },
    used_by: { type: 'array', items: { type: 'string' }, description: 'Containers (running or stopped) that bind-mount it.' },
    snapshots: { type: 'array', items: { type: 'string' }, description: 'Snapshots (container/name) with a filesystem on it.' },
    reclaimable: { type: 'boolean', description: 'Nothing uses it: DELETE removes it.' },
  },
  required: ['pool', 'name', 'used_by', 'snapshots', 'reclaimable'],
  additionalProperties: false,
} as const;

const paramsSchema = {
  type: 'object',
  properties: {
    pool: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'Pool id.' },
    name: { type: 'string', pattern: '^cowsnap-copy-[A-Za-z0-9_.-]{1,200}$', description: 'Copy dataset name, e.g. cowsnap-copy-dev-ann-1.' },
  },
  required: ['pool', 'name'],
  additionalProperties: false,
} as const;

function serialize(d: CopyDataset): object {
  return { pool: d.pool, name: d.name, used_by: d.usedBy, snapshots: d.snapshots, reclaimable: d.reclaimable };
}

export function copyDatasetRoutes(api: CopyDatasetsApi): RouteDefinition[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/copy-datasets',
      operationId: 'listCopyDatasets',
      summary: 'Copy datasets (cowsnap-copy-*) on the available pools, with the containers and snapshots that use them.',
      tag: 'containers',
      auth: true,
      role: 'viewer',
      allProjects: true,
      request: {},
      response: { type: 'object', properties: { datasets: { type: 'array', items: copyDatasetSchema } }, required: ['datasets'], additionalProperties: false },
      errorStatuses: [503],
      async handle() {
        const datasets = await api.list();
        const free = datasets.filter((d) => d.reclaimable).length;
        return { message: `${datasets.length} copy datasets, ${free} used by nothing.`, data: { datasets: datasets.map(serialize) } };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/copy-datasets/:pool/:name',
      operationId: 'reclaimCopyDataset',
      summary: 'Remove a copy dataset that no container bind-mounts and no snapshot record uses (409 otherwise).',
      tag: 'containers',
      auth: true,
      role: 'admin',
      allProjects: true,
      request: { params: paramsSchema },
      response: { type: 'object', properties: { dataset: copyDatasetSchema }, required: ['dataset'], additionalProperties: false },
      errorStatuses: [404, 409, 503],
      async handle({ params }) {
        const dataset = await api.reclaim(params.pool, params.name);
        return { message: `Copy dataset ${dataset.name} on pool ${dataset.pool} removed.`, data: { dataset: serialize(dataset) } };
      },
    }),
  ];
}
