/**
 * Request validators are compiled on a route's first request (src/http/router.ts), so an idle service
 * holds none for routes nobody calls (issue #17, goal 5). A schema ajv cannot compile would then surface
 * only when its route is first called: here every route of every route module is compiled instead, as
 * start-up used to do. The route builders only close over their dependencies, so inert ones do.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { RouteDefinition } from '../../src/http/route-definition.js';
import { auditRoutes } from '../../src/http/routes/audit-routes.js';
import { containerRoutes } from '../../src/http/routes/container-routes.js';
import { copyDatasetRoutes } from '../../src/http/routes/copy-dataset-routes.js';
import { copyRoutes } from '../../src/http/routes/copy-routes.js';
import { diffRoutes } from '../../src/http/routes/diff-routes.js';
import { eventRoutes } from '../../src/http/routes/event-routes.js';
import { keyRoutes } from '../../src/http/routes/key-routes.js';
import { operationRoutes } from '../../src/http/routes/operation-routes.js';
import { projectRoutes } from '../../src/http/routes/project-routes.js';
import { remoteRestoreRoutes } from '../../src/http/routes/remote-restore-routes.js';
import { remoteRoutes } from '../../src/http/routes/remote-routes.js';
import { replicaListRoutes } from '../../src/http/routes/replica-list-routes.js';
import { replicaRoutes } from '../../src/http/routes/replica-routes.js';
import { scheduleRoutes } from '../../src/http/routes/schedule-routes.js';
import { snapshotRoutes } from '../../src/http/routes/snapshot-routes.js';
import { healthRoute, metricsRoute, openApiRoute } from '../../src/http/routes/system-routes.js';
import { webhookRoutes } from '../../src/http/routes/webhook-routes.js';
import { compileRequestValidator, createAjv } from '../../src/http/validation.js';

const inert = {} as never;

function everyRoute(): RouteDefinition[] {
  return [
    ...auditRoutes(inert), ...containerRoutes(inert), ...copyDatasetRoutes(inert), ...copyRoutes(inert), ...diffRoutes(inert),
    ...eventRoutes(inert), ...keyRoutes(inert), ...operationRoutes(inert), ...projectRoutes(inert), ...remoteRestoreRoutes(inert),
    ...remoteRoutes(inert), ...replicaListRoutes(inert), ...replicaRoutes(inert), ...scheduleRoutes(inert), ...snapshotRoutes(inert),
    ...webhookRoutes(inert), healthRoute(), openApiRoute(() => ({})), metricsRoute(new Registry()),
  ];
}

describe('request validators (compiled lazily by the router)', () => {
  it("every route's params, query and body schemas compile with the service's ajv", () => {
    const ajv = createAjv();
    const routes = everyRoute();
    assert.ok(routes.length > 40, `found ${String(routes.length)} routes`);
    for (const route of routes) {
      assert.doesNotThrow(() => compileRequestValidator(ajv, route.request), `${route.method} ${route.path}`);
    }
  });
});
