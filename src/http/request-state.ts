/** What the middleware chain leaves on `ctx.state` for later middleware and handlers. */
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { AccessContext } from '../core/access/access-context.js';

export interface RequestState {
  requestId: string;
  logger: Logger;
  /** The matched route template ("/api/v1/containers/:container"), for logs and metrics. */
  route?: string;
  /** On routes with optional auth: whether a valid token came with the request. */
  authenticated?: boolean;
  /** The key's access context, once the key is known (routes with auth). */
  access?: AccessContext;
}

export function requestState(ctx: Context): RequestState {
  // Koa types ctx.state loosely; request-id puts these fields there first thing.
  const state: RequestState = ctx.state;
  return state;
}
