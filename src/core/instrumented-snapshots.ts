import type { Logger } from 'pino';
import type { SnapshotsApi } from './api-types.js';
import type { ServiceMetrics } from './service-metrics.js';

/**
 * Wraps the snapshot API so each operation that changes something is timed in the metrics and leaves
 * one log line with its container, snapshot and duration, whatever the outcome.
 */
export function instrumentSnapshots(api: SnapshotsApi, metrics: ServiceMetrics, logger: Logger): SnapshotsApi {
  async function observe<T>(operation: string, container: string, snapshot: string | undefined, body: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await metrics.time(operation, body);
      logger.info({ operation, container, snapshot, durationMs: Math.round(performance.now() - started) }, `${operation} done`);
      return result;
    } catch (error) {
      logger.warn({ operation, container, snapshot, durationMs: Math.round(performance.now() - started), err: error }, `${operation} failed`);
      throw error;
    }
  }
  return {
    create: (container, input) => observe('snapshot', container, input.alias, () => api.create(container, input)),
    restore: (container, snapshot, input) => observe('restore', container, snapshot, () => api.restore(container, snapshot, input)),
    update: (container, snapshot, input) => observe('update', container, snapshot, () => api.update(container, snapshot, input)),
    delete: (container, snapshot) => observe('delete', container, snapshot, () => api.delete(container, snapshot)),
    list: (container, query, resolved) => api.list(container, query, resolved),
    get: (container, snapshot) => api.get(container, snapshot),
  };
}
