/**
 * Body parsing for routes that take one: JSON only. A body in another content type is rejected rather
 * than ignored (a script sending form data must learn its options were not applied), and unparseable
 * JSON is a 400 with a clear code.
 *
 * co-body's JSON reader directly, with the settings koa-body passed it before (koa-body's JSON path is
 * exactly this call): koa-body also brought zod and formidable for its options and multipart, ~9 MiB of
 * resident memory for a service that only ever reads JSON (issue #17, goal 5).
 */
import coBody from 'co-body';
import type { Middleware } from 'koa';
import { ValidationError } from '../../errors/validation-error.js';

declare module 'koa' {
  interface Request {
    /** The parsed JSON body, set by jsonBody() for POST, PUT and PATCH; validated by the route's schema. */
    body?: unknown;
  }
}

/** The content types koa-body read as JSON by default (a `+json` type outside these stays unparsed). */
const JSON_TYPES = ['application/json', 'application/json-patch+json', 'application/vnd.api+json', 'application/csp-report', 'application/reports+json'];
/** Methods whose body is read (koa-body's default): GET, HEAD and DELETE bodies have no defined meaning. */
const PARSED_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export function jsonBody(limit = '64kb'): Middleware {
  return async (ctx, next) => {
    // No body at all (or an explicitly empty one, as some clients send for a bare POST) means "no options".
    if (ctx.request.length === 0 || ctx.is('application/json', '+json') === null) {
      await next();
      return;
    }
    if (ctx.is('application/json', '+json') === false) {
      const got = ctx.get('Content-Type') || '(none)';
      throw new ValidationError(
        [{ path: '/headers/content-type', message: `must be application/json, not ${got}` }],
        'unsupported_content_type',
      );
    }
    if (PARSED_METHODS.has(ctx.method.toUpperCase()) && ctx.is(JSON_TYPES) !== false) {
      try {
        ctx.request.body = (await coBody.json(ctx, { encoding: 'utf-8', limit, strict: true })) as unknown;
      } catch (error) {
        // co-body/raw-body mark their errors with a status; a SyntaxError from JSON.parse has none.
        if ((error as { status?: unknown }).status !== undefined && !(error instanceof SyntaxError)) throw error;
        throw new ValidationError([{ path: '/body', message: `is not valid JSON: ${error instanceof Error ? error.message : String(error)}` }], 'malformed_json');
      }
    }
    await next();
  };
}
