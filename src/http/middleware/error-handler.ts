/**
 * The one place errors become responses: anything thrown below, and the empty 404/405/501 replies the
 * router leaves, turned into the error envelope with a stable code. Details of unexpected failures go to
 * the log, never to the client.
 */
import type { Context, Middleware } from 'koa';
import { NotFoundError } from '../../errors/not-found-error.js';
import type { AppError } from '../../errors/app-error.js';
import { HttpError } from '../errors/http-error.js';
import { requestState } from '../request-state.js';
import { toAppError } from '../to-app-error.js';

/** What the router leaves behind when no route answered: no body, a bare status. */
function unansweredError(ctx: Context): AppError | null {
  if (ctx.body !== undefined && ctx.body !== null) return null;
  const allow = ctx.response.get('Allow');
  if (ctx.status === 404) return new NotFoundError('route_not_found', `No route ${ctx.method} ${ctx.path}. The API is under /api/v1; see /api/v1/openapi.json.`);
  if (ctx.status === 405) return new HttpError(405, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${allow}.`);
  if (ctx.status === 501) return new HttpError(501, 'method_not_implemented', `The method ${ctx.method} is not supported.`);
  return null;
}

export function errorHandler(): Middleware {
  return async (ctx, next) => {
    let appError: AppError | null;
    try {
      await next();
      appError = unansweredError(ctx);
    } catch (error: unknown) {
      appError = toAppError(error);
      const { logger } = requestState(ctx);
      // The client got a sentence and a code; the log keeps the full story (paths, argv, stderr in the cause).
      if (appError.statusCode >= 500) logger.error({ err: error, code: appError.code }, 'request failed with a server error');
      else if (appError.cause !== undefined) logger.warn({ err: error, code: appError.code }, 'request refused because of a failure below');
      else logger.debug({ code: appError.code, details: appError.details }, 'request rejected');
    }
    if (appError !== null) {
      ctx.status = appError.statusCode;
      ctx.body = appError.toJSON();
    }
  };
}
