/** Health, the OpenAPI document and Prometheus metrics: the routes about the service itself. */
import type { Registry } from 'prom-client';
import { requestState } from '../request-state.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';
import { healthSchema } from '../schemas/response-schemas.js';

export interface HealthReport {
  readonly ok: boolean;
  readonly [check: string]: unknown;
}

export type HealthCheck = () => Promise<HealthReport>;

/** Without a real check the HTTP server answering is all that can be said. */
const serverUp: HealthCheck = () => Promise.resolve({ ok: true });

export function healthRoute(check: HealthCheck = serverUp): RouteDefinition {
  return defineRoute({
    method: 'GET',
    path: '/api/v1/health',
    operationId: 'getHealth',
    summary: 'Is the service able to work? 503 when a check fails. Without a token only {ok}; with it, every check (Docker, pools, database).',
    tag: 'system',
    auth: 'optional',
    role: 'viewer',
    request: {},
    response: healthSchema,
    errorStatuses: [503],
    async handle({ ctx }) {
      const report = await check();
      // Pools, paths, versions and free space tell an attacker what the host is; they need the token.
      if (requestState(ctx).authenticated !== true) {
        return report.ok
          ? { message: 'cowsnap is healthy.', data: { ok: true } }
          : { status: 503, message: 'cowsnap is unhealthy; send the API token to see which check fails.', data: { ok: false } };
      }
      return report.ok
        ? { message: 'cowsnap is healthy.', data: report }
        : { status: 503, message: 'cowsnap is unhealthy: see data for the failing checks.', data: report };
    },
  });
}

export function openApiRoute(document: () => object): RouteDefinition {
  return defineRoute({
    method: 'GET',
    path: '/api/v1/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This API as an OpenAPI 3.1 document (no token needed).',
    tag: 'system',
    auth: false,
    role: 'viewer',
    request: {},
    response: { type: 'object', description: 'The OpenAPI document itself, not wrapped in an envelope.' },
    raw: { contentType: 'application/json' },
    handle() {
      // Tools (Swagger UI, generators) expect the bare document, so this one route skips the envelope.
      return Promise.resolve({ message: '', data: document() });
    },
  });
}

export function metricsRoute(registry: Registry): RouteDefinition {
  return defineRoute({
    method: 'GET',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (needs the token: configure bearer_token in the scrape job).',
    tag: 'system',
    auth: true,
    role: 'viewer',
    allProjects: true,
    request: {},
    response: { type: 'string' },
    raw: { contentType: registry.contentType },
    async handle() {
      return { message: '', data: await registry.metrics() };
    },
  });
}
