/** What the middleware chain leaves on `ctx.state` for later middleware and handlers. */
import type { Context } from 'koa';
import type { Logger } from 'pino';

export interface RequestState {
  requestId: string;
  logger: Logger;
  /** The matched route template ("/api/v1/containers/:container"), for logs and metrics. */
  route?: string;
  /** On routes with optional auth: whether a valid token came with the request. */
  authenticated?: boolean;
}

export function requestState(ctx: Context): RequestState {
  // Koa types ctx.state loosely; request-id puts these fields there first thing.
  const state: RequestState = ctx.state;
  return state;
}
