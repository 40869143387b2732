/**
 * The HTTP layer: a Koa app over the core services. Thin on purpose: it validates, calls one service
 * method, and shapes the reply; the rules live in the services.
 */
import type Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ContainersApi, SnapshotsApi } from '../core/api-types.js';
import { bootstrapOnly } from '../core/access/authenticator.js';
import { findConsoleDirectory } from './console/console-directory.js';
import { consoleStatic } from './console/console-static.js';
import { errorHandler } from './middleware/error-handler.js';
import type { AccessControlDeps } from './middleware/access-control.js';
import { httpMetrics } from './middleware/http-metrics.js';
import { optionsReply } from './middleware/options-reply.js';
import { requestId } from './middleware/request-id.js';
import { buildOpenApiDocument } from './openapi.js';
import type { RouteDefinition } from './route-definition.js';
import { buildRouter } from './router.js';
import { containerRoutes } from './routes/container-routes.js';
import { snapshotRoutes } from './routes/snapshot-routes.js';
import { healthRoute, metricsRoute, openApiRoute, type HealthCheck } from './routes/system-routes.js';
import { createAjv } from './validation.js';

export interface AppDeps {
  readonly snapshots: SnapshotsApi;
  readonly containers: ContainersApi;
  /** The bootstrap token (an all-projects admin key); the only key accepted unless `access` is given. */
  readonly token: string;
  /** API keys, rate limits and the audit log (service wiring); without it only `token` is accepted. */
  readonly access?: AccessControlDeps;
  readonly logger: Logger;
  /** Backs GET /api/v1/health; without it health only says the HTTP server answers. */
  readonly health?: HealthCheck;
  /** When given, HTTP metrics are recorded on it and GET /metrics serves it (all its metrics). */
  readonly metricsRegistry?: Registry;
  /**
   * More operations (copy, schedules, ...), defined like the built-in ones: they get the same auth,
   * validation, envelope and error mapping, and appear in the OpenAPI document.
   */
  readonly extraRoutes?: readonly RouteDefinition[];
  readonly version?: string;
  /** The built web console served at /ui/ (default: web/dist of this checkout). */
  readonly consoleDirectory?: string;
}

export interface CowsnapApp extends Koa {
  /** Every operation the app serves, as mounted (the OpenAPI coverage test walks these against the router). */
  readonly routes: readonly RouteDefinition[];
  /** The mounted router, so tests can check what it really serves against the OpenAPI document. */
  readonly router: Router;
}

export function createApp(deps: AppDeps): CowsnapApp {
  const routes: RouteDefinition[] = [
    ...snapshotRoutes(deps.snapshots),
    ...containerRoutes(deps.containers),
    ...(deps.extraRoutes ?? []),
    healthRoute(deps.health),
    ...(deps.metricsRegistry ? [metricsRoute(deps.metricsRegistry)] : []),
  ];
  let document: object | null = null;
  // The document lists itself too; built on first request, then served from memory.
  routes.push(openApiRoute(() => (document ??= buildOpenApiDocument(routes, deps.version ?? '0.1.0'))));

  const router = buildRouter(routes, { access: deps.access ?? { authenticator: bootstrapOnly(deps.token) }, ajv: createAjv() });
  const app = new Koa() as CowsnapApp;
  Object.defineProperties(app, { routes: { value: routes, enumerable: true }, router: { value: router, enumerable: true } });
  // The API sits behind nothing by default (127.0.0.1); never trust X-Forwarded-* headers.
  app.proxy = false;
  // Errors are answered and logged by errorHandler; Koa's own stderr printing would duplicate them.
  app.silent = true;

  app.use(requestId(deps.logger));
  if (deps.metricsRegistry) app.use(httpMetrics(deps.metricsRegistry));
  app.use(errorHandler());
  app.use(consoleStatic(deps.consoleDirectory ?? findConsoleDirectory()));
  app.use(router.routes());
  app.use(optionsReply(router.allowedMethods()));
  return app;
}
