import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { buildOpenApiDocument, toOpenApiPath } from '../../src/http/openapi.js';
import type { RouteDefinition } from '../../src/http/route-definition.js';
import { createSnapshotBodySchema, listSnapshotsQuerySchema } from '../../src/http/schemas/snapshot-request-schemas.js';
import { createAjv } from '../../src/http/validation.js';
import { auditRoutes } from '../../src/http/routes/audit-routes.js';
import { keyRoutes } from '../../src/http/routes/key-routes.js';
import { projectRoutes } from '../../src/http/routes/project-routes.js';
import { AUTH, testApp } from './support/test-app.js';

interface Operation {
  operationId: string;
  security?: unknown[];
  parameters: { name: string; in: string; required: boolean; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

/** "GET /api/v1/x/{id}" for every route the router really serves (HEAD is Koa's automatic twin of GET). */
function routerOperations(app: ReturnType<typeof testApp>['app']): Set<string> {
  const operations = new Set<string>();
  for (const layer of app.router.stack) {
    for (const method of layer.methods) {
      if (method !== 'HEAD') operations.add(`${method} ${toOpenApiPath(String(layer.path))}`);
    }
  }
  return operations;
}

function documentOperations(document: Document): Set<string> {
  const operations = new Set<string>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const method of Object.keys(methods)) operations.add(`${method.toUpperCase()} ${path}`);
  }
  return operations;
}

describe('GET /api/v1/openapi.json', () => {
  it('documents every route the router serves, and nothing else', async () => {
    const t = testApp({ metricsRegistry: new Registry() });
    const response = await t.http.get('/api/v1/openapi.json');
    assert.equal(response.status, 200);
    const document = response.body as Document;
    assert.equal(document.openapi, '3.1.0');
    const served = routerOperations(t.app);
    assert.ok(served.size >= 11, `expected the whole API, got ${[...served].join(', ')}`);
    assert.deepEqual([...documentOperations(document)].sort(), [...served].sort());
    for (const expected of [
      'POST /api/v1/containers/{container}/snapshots',
      'GET /api/v1/containers/{container}/snapshots',
      'GET /api/v1/containers/{container}/snapshots/{snapshot}',
      'PATCH /api/v1/containers/{container}/snapshots/{snapshot}',
      'PUT /api/v1/containers/{container}/snapshots/{snapshot}',
      'DELETE /api/v1/containers/{container}/snapshots/{snapshot}',
      'GET /api/v1/containers',
      'GET /api/v1/containers/{container}',
      'GET /api/v1/health',
      'GET /api/v1/openapi.json',
      'GET /metrics',
    ]) {
      assert.ok(served.has(expected), `router serves ${expected}`);
    }
  });

  it('is built from the very schema objects the server validates with', () => {
    const t = testApp();
    const document = buildOpenApiDocument(t.app.routes, 'test') as Document;
    const create = document.paths['/api/v1/containers/{container}/snapshots']?.['post'];
    assert.equal(create?.requestBody?.content['application/json']?.schema, createSnapshotBodySchema);
    const list = document.paths['/api/v1/containers/{container}/snapshots']?.['get'];
    const listParameters = list?.parameters ?? [];
    assert.equal(listParameters.find((p) => p.name === 'limit')?.schema, listSnapshotsQuerySchema.properties.limit);
    assert.equal(listParameters.find((p) => p.name === 'tag')?.schema, listSnapshotsQuerySchema.properties.tag);
  });

  it('describes path parameters, auth and error responses for every operation', async () => {
    const t = testApp();
    const document = (await t.http.get('/api/v1/openapi.json')).body as Document;
    const ids = new Set<string>();
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const where = `${method} ${path}`;
        assert.ok(!ids.has(operation.operationId), `${where}: unique operationId`);
        ids.add(operation.operationId);
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const documented = operation.parameters.filter((p) => p.in === 'path').map((p) => p.name);
        assert.deepEqual(documented, templated, `${where}: path parameters`);
        assert.ok(Object.keys(operation.responses).some((s) => s.startsWith('2')), `${where}: a success response`);
        assert.ok(operation.responses['500'], `${where}: 500`);
        const open = ['/api/v1/health', '/api/v1/openapi.json'].includes(path);
        assert.equal(operation.responses['401'] === undefined, open, `${where}: 401 iff protected`);
        const anonymous = operation.security !== undefined && (operation.security.length === 0 || operation.security.some((s) => Object.keys(s as object).length === 0));
        assert.equal(anonymous, open, `${where}: security`);
      }
    }
  });

  it('contains only schemas that compile as JSON Schema 2020-12', async () => {
    const t = testApp();
    const document = (await t.http.get('/api/v1/openapi.json')).body as Document;
    const ajv = createAjv();
    for (const [name, schema] of Object.entries(document.components.schemas)) ajv.addSchema(schema, name);
    const walk = (value: unknown): void => {
      if (typeof value !== 'object' || value === null) return;
      for (const [key, child] of Object.entries(value)) {
        if (key === 'schema') {
          // Local $refs point into the document's components, registered above under their names.
          const text = JSON.stringify(child).replaceAll('"#/components/schemas/', '"');
          // Wrapped, because ajv's strict mode refuses `default` at a schema root (parameter schemas have one).
          const wrapped = { type: 'object', properties: { value: JSON.parse(text) as object } };
          assert.doesNotThrow(() => ajv.compile(wrapped), `schema compiles: ${text.slice(0, 80)}`);
        } else walk(child);
      }
    };
    walk(document.paths);
  });

  it('routes added by other parts (extraRoutes) get auth, validation, the envelope and documentation', async () => {
    const extra: RouteDefinition = {
      method: 'POST',
      path: '/api/v1/containers/:container/copy',
      operationId: 'copyContainer',
      summary: 'test route',
      tag: 'containers',
      auth: true,
      role: 'operator',
      request: { body: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false } },
      response: { type: 'object' },
      handle: ({ body }) => Promise.resolve({ status: 201, message: 'copied', data: { name: body['name'] } }),
    };
    const t = testApp({ extraRoutes: [extra] });
    assert.equal((await t.http.post('/api/v1/containers/web/copy').send({ name: 'x' })).status, 401);
    assert.equal((await t.http.post('/api/v1/containers/web/copy').set(AUTH).send({})).status, 400);
    const ok = await t.http.post('/api/v1/containers/web/copy').set(AUTH).send({ name: 'x' });
    assert.deepEqual(ok.body, { statusCode: 201, message: 'copied', data: { name: 'x' } });
    const document = (await t.http.get('/api/v1/openapi.json')).body as Document;
    assert.ok(document.paths['/api/v1/containers/{container}/copy']?.['post']);
  });

  it('documents the access routes with their role, 403 on every authenticated route and 429 on changing ones', async () => {
    // Only the documentation is looked at: the services behind the routes are never called.
    const unused = {} as never;
    const t = testApp({ extraRoutes: [...projectRoutes(unused), ...keyRoutes(unused), ...auditRoutes(unused)] });
    const document = (await t.http.get('/api/v1/openapi.json')).body as Document & { components: { securitySchemes: Record<string, { scheme: string }> } };
    assert.equal(document.components.securitySchemes['bearerAuth']?.scheme, 'bearer');
    for (const [path, method, role] of [
      ['/api/v1/projects', 'post', 'admin'],
      ['/api/v1/projects/{project}', 'get', 'viewer'],
      ['/api/v1/containers/{container}', 'put', 'admin'],
      ['/api/v1/keys', 'post', 'admin'],
      ['/api/v1/keys/{key}', 'delete', 'admin'],
      ['/api/v1/audit', 'get', 'admin'],
      ['/api/v1/containers/{container}/snapshots', 'post', 'operator'],
    ] as const) {
      const op = document.paths[path]?.[method] as (Operation & { 'x-required-role': string }) | undefined;
      assert.ok(op, `${method} ${path}`);
      assert.equal(op['x-required-role'], role, `${method} ${path}`);
      assert.ok(op.responses['403'], `${method} ${path}: 403`);
      assert.equal(op.responses['429'] !== undefined, method !== 'get', `${method} ${path}: 429 only on changing routes`);
    }
  });
});
