/** Bearer-token check, compared in constant time so response timing does not reveal the token. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { UnauthorizedError } from '../../errors/unauthorized-error.js';
import { requestState } from '../request-state.js';

// Hashing both sides first gives equal-length buffers, so the comparison does not leak the token's length.
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** For routes that answer everyone but tell token holders more: notes whether a valid token came. */
export function noteToken(token: string): Middleware {
  if (token.length === 0) throw new Error('noteToken: the API token must not be empty');
  return async (ctx, next) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(ctx.get('Authorization'));
    requestState(ctx).authenticated = match?.[1] !== undefined && tokenMatches(match[1], token);
    await next();
  };
}

export function requireToken(token: string): Middleware {
  if (token.length === 0) throw new Error('requireToken: the API token must not be empty');
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match?.[1] === undefined) {
      throw new UnauthorizedError(header === '' ? undefined : 'The Authorization header must be "Bearer <token>".');
    }
    if (!tokenMatches(match[1], token)) throw new UnauthorizedError('The API token is not valid.');
    await next();
  };
}
