/**
 * Body parsing for routes that take one: JSON only. A body in another content type is rejected rather
 * than ignored (a script sending form data must learn its options were not applied), and unparseable
 * JSON is a 400 with a clear code.
 *
 * koa-body is loaded on the first request that has a body, not at start-up: it brings zod and formidable
 * (~9 MiB resident) that a service answering only reads never needs (issue #17, goal 5).
 */
import type { Middleware } from 'koa';
import { ValidationError } from '../../errors/validation-error.js';

type KoaBodyParser = Middleware;

async function loadParser(limit: string): Promise<KoaBodyParser> {
  const { koaBody } = await import('koa-body');
  return koaBody({
    json: true,
    jsonStrict: true,
    jsonLimit: limit,
    urlencoded: false,
    text: false,
    multipart: false,
    onError: (error) => {
      // co-body/raw-body mark their errors with a status; a SyntaxError from JSON.parse has none.
      if ((error as { status?: unknown }).status !== undefined && !(error instanceof SyntaxError)) throw error;
      throw new ValidationError([{ path: '/body', message: `is not valid JSON: ${error.message}` }], 'malformed_json');
    },
  });
}

export function jsonBody(limit = '64kb'): Middleware {
  let parser: Promise<KoaBodyParser> | undefined;
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
    parser ??= loadParser(limit);
    const parse = await parser;
    await parse(ctx, next);
  };
}
