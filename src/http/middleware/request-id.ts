/**
 * Gives every request an id (the caller's X-Request-Id when it is sane, else a new UUID), echoes it in the
 * response header, hands a pino child logger carrying it to everything downstream, and writes one JSON
 * log line per request when it is done. Outermost, so even error responses are logged and carry the id.
 */
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { requestState, type RequestState } from '../request-state.js';

/** Short, and only characters that cannot break a log line or a header. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function acceptRequestId(incoming: string | undefined): string {
  return incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export function requestId(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const id = acceptRequestId(ctx.get('X-Request-Id') || undefined);
    const state: RequestState = { requestId: id, logger: logger.child({ request_id: id }) };
    Object.assign(ctx.state, state);
    ctx.set('X-Request-Id', id);
    try {
      await next();
    } finally {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const current = requestState(ctx);
      const line = {
        method: ctx.method,
        path: ctx.path,
        route: current.route ?? null,
        status: ctx.status,
        duration_ms: Math.round(durationMs * 1000) / 1000,
      };
      if (ctx.status >= 500) current.logger.error(line, 'request failed');
      else current.logger.info(line, 'request');
    }
  };
}
