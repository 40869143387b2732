/**
 * Who may call a route, in one place for every route of the table: the bearer key is identified
 * (401 when missing or not valid), its role checked against the route's `role` and `allProjects` (403
 * `forbidden` naming what is needed), mutating requests counted against the key's rate (429 with
 * Retry-After), and the rest of the request runs inside the key's access context, which scopes every
 * container lookup and listing to the key's project (core/access/access-context.ts). Every mutating
 * request by an identified key — allowed or refused — is written to the audit log with its final status.
 */
import type { Context, Middleware } from 'koa';
import { AccessContext, runWithAccess, type Principal } from '../../core/access/access-context.js';
import type { AuditLog } from '../../core/access/audit-log.js';
import type { Authenticate } from '../../core/access/authenticator.js';
import type { RateLimiter } from '../../core/access/rate-limiter.js';
import { roleAllows } from '../../core/access/role.js';
import { ForbiddenError } from '../../errors/forbidden-error.js';
import { RateLimitedError } from '../../errors/rate-limited-error.js';
import { UnauthorizedError } from '../../errors/unauthorized-error.js';
import { requestState } from '../request-state.js';
import type { RouteDefinition } from '../route-definition.js';
import { toAppError } from '../to-app-error.js';

export interface AccessControlDeps {
  readonly authenticator: Authenticate;
  readonly rateLimiter?: RateLimiter;
  readonly audit?: AuditLog;
}

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

export function accessControl(route: RouteDefinition, deps: AccessControlDeps): Middleware {
  const mutating = route.method !== 'GET';
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    const presented = BEARER.exec(header)?.[1];
    const principal = presented === undefined ? undefined : await deps.authenticator.authenticate(presented);
    if (principal === undefined) {
      if (route.auth === 'optional') {
        requestState(ctx).authenticated = false;
        await next();
        return;
      }
      if (presented === undefined) throw new UnauthorizedError(header === '' ? undefined : 'The Authorization header must be "Bearer <token>".');
      throw new UnauthorizedError('The API key is not valid (unknown, revoked or expired).');
    }
    const access = new AccessContext(principal);
    const state = requestState(ctx);
    state.authenticated = true;
    state.access = access;
    let status = 500;
    try {
      authorize(route, principal);
      if (mutating) limitRate(ctx, principal, deps.rateLimiter);
      await runWithAccess(access, next);
      status = ctx.status;
    } catch (error) {
      status = toAppError(error).statusCode;
      throw error;
    } finally {
      if (mutating) {
        deps.audit?.record({
          keyId: principal.keyId,
          projectId: access.targetProject ?? access.projectFilter ?? null,
          action: route.operationId,
          target: ctx.path,
          result: status,
          requestId: state.requestId,
        });
      }
    }
  };
}

function authorize(route: RouteDefinition, principal: Principal): void {
  const allProjects = route.allProjects === true;
  const roleOk = roleAllows(principal.role, route.role);
  const scopeOk = !allProjects || principal.project === '*';
  if (roleOk && scopeOk) return;
  const needs = `${route.role} role${allProjects ? ' and a key for all projects' : ''}`;
  const has = `${principal.role} key${principal.project === '*' ? ' for all projects' : ` of project ${principal.project}`}`;
  throw new ForbiddenError(`${route.method} ${route.path} needs the ${needs}; this is a ${has}.`, { role: route.role, allProjects });
}

function limitRate(ctx: Context, principal: Principal, limiter: RateLimiter | undefined): void {
  const wait = limiter?.take(principal.keyId);
  if (wait === undefined) return;
  ctx.set('Retry-After', String(wait));
  throw new RateLimitedError(`Too many changing requests from key ${principal.keyId}; try again in ${String(wait)} s.`, wait);
}
