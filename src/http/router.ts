/**
 * Mounts the route table on a @koa/router: per route, remember the route template (logs, metrics), check
 * the key and its role, parse a JSON body, validate everything, call the handler, wrap the result in the envelope.
 */
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { envelope } from './envelope.js';
import { accessControl, type AccessControlDeps } from './middleware/access-control.js';
import { jsonBody } from './middleware/json-body.js';
import { requestState } from './request-state.js';
import type { RouteDefinition } from './route-definition.js';
import { compileRequestValidator, type RequestValidator } from './validation.js';

function handler(route: RouteDefinition, ajv: Ajv2020): Middleware {
  // Compiled once, on the route's first request, never per request: an idle service holds no validator
  // (and no compile garbage) for routes nobody calls (issue #17, goal 5). That every route's schemas
  // compile is checked by test/http/request-validators-compile.test.ts, as start-up used to.
  let validate: RequestValidator | undefined;
  const written = route.stableData === true ? new WeakMap<object, { status: number; message: string; json: string }>() : undefined;
  return async (ctx) => {
    validate ??= compileRequestValidator(ajv, route.request);
    const input = validate({
      params: ctx.params as Record<string, string>,
      query: { ...ctx.query },
      body: ctx.request.body,
    });
    const result = await route.handle({ ...input, ctx, logger: requestState(ctx).logger });
    const status = result.status ?? route.successStatus ?? 200;
    ctx.status = status;
    if (route.raw) {
      ctx.type = route.raw.contentType;
      ctx.body = result.data;
    } else if (written !== undefined && typeof result.data === 'object' && result.data !== null && Object.isFrozen(result.data)) {
      const before = written.get(result.data);
      const json = before !== undefined && before.status === status && before.message === result.message ? before.json : JSON.stringify(envelope(status, result.message, result.data));
      if (before?.json !== json) written.set(result.data, { status, message: result.message, json });
      // What Koa would send for the envelope object: the same bytes and `application/json; charset=utf-8`.
      ctx.type = 'json';
      ctx.body = json;
    } else {
      ctx.body = envelope(status, result.message, result.data);
    }
  };
}

export function buildRouter(routes: readonly RouteDefinition[], options: { access: AccessControlDeps; ajv: Ajv2020 }): Router {
  const router = new Router();
  const body = jsonBody();
  for (const route of routes) {
    const markRoute: Middleware = async (ctx, next) => {
      requestState(ctx).route = route.path;
      await next();
    };
    const chain: Middleware[] = [markRoute];
    // Role, project scope, rate and audit: access-control.ts, for every route with auth.
    if (route.auth !== false) chain.push(accessControl(route, options.access));
    if (route.request.body !== undefined) chain.push(body);
    chain.push(handler(route, options.ajv));
    router.register(route.path, [route.method], chain);
  }
  return router;
}
