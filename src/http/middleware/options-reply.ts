/**
 * @koa/router answers OPTIONS with an empty 200 and an Allow header; scripts expect the envelope on every
 * response, so the same answer is given as data too.
 */
import type { RouterMiddleware } from '@koa/router';
import { envelope } from '../envelope.js';

export function optionsReply(allowedMethods: RouterMiddleware): RouterMiddleware {
  return async (ctx, next) => {
    await allowedMethods(ctx, next);
    const allow = ctx.response.get('Allow');
    if (ctx.method === 'OPTIONS' && ctx.status === 200 && allow !== '' && (ctx.body === '' || ctx.body == null)) {
      const methods = allow.split(',').map((m) => m.trim());
      ctx.body = envelope(200, `Allowed methods on ${ctx.path}: ${methods.join(', ')}.`, { allow: methods });
    }
  };
}
