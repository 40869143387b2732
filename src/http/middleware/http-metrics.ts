/** Request count by route and status, and a latency histogram, on the registry the app was given. */
import type { Middleware } from 'koa';
import { Counter, Histogram, type Registry } from 'prom-client';
import { requestState } from '../request-state.js';

/** Unmatched paths share one label, so scanners cannot blow up the number of series. */
const UNMATCHED = '(unmatched)';

export function httpMetrics(registry: Registry): Middleware {
  const requests = new Counter({
    name: 'cowsnap_http_requests_total',
    help: 'HTTP requests by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'cowsnap_http_request_duration_seconds',
    help: 'HTTP request duration by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  return async (ctx, next) => {
    const stop = duration.startTimer();
    try {
      await next();
    } finally {
      const route = requestState(ctx).route ?? UNMATCHED;
      stop({ method: ctx.method, route });
      requests.inc({ method: ctx.method, route, status: String(ctx.status) });
    }
  };
}
