import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolSnapshotTotals } from '../store/snapshot-totals.js';

/**
 * cowsnap's Prometheus metrics (served at GET /metrics): operation durations, snapshot counts and bytes
 * per pool, reaper results. HTTP request metrics are added to the same registry by the HTTP layer.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly operationDuration: Histogram<'operation' | 'outcome'>;
  readonly reaperDeleted: Counter;
  readonly reaperFailures: Counter;

  constructor(totals: () => readonly PoolSnapshotTotals[]) {
    collectDefaultMetrics({ register: this.registry, prefix: 'cowsnap_process_' });
    this.operationDuration = new Histogram({
      name: 'cowsnap_operation_duration_seconds',
      help: 'Duration of snapshot, restore, copy, delete and reap operations',
      labelNames: ['operation', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.reaperDeleted = new Counter({
      name: 'cowsnap_reaper_deleted_total',
      help: 'Expired snapshots the reaper deleted',
      registers: [this.registry],
    });
    this.reaperFailures = new Counter({
      name: 'cowsnap_reaper_failures_total',
      help: 'Expired snapshots the reaper failed to delete (retried later)',
      registers: [this.registry],
    });
    const count = new Gauge({
      name: 'cowsnap_snapshots',
      help: 'Snapshots per pool and state',
      labelNames: ['pool', 'state'],
      registers: [this.registry],
      // Read at scrape time, so the figure is never stale.
      collect() {
        count.reset();
        bytes.reset();
        for (const total of totals()) {
          count.set({ pool: total.pool, state: total.state }, total.snapshots);
          // Exclusive bytes are recorded per snapshot, not per filesystem: attributed to its first pool.
          bytes.inc({ pool: total.pool }, total.bytes);
        }
      },
    });
    const bytes = new Gauge({
      name: 'cowsnap_snapshot_bytes',
      help: 'Exclusive bytes held by snapshots (what deleting them would free), per pool',
      labelNames: ['pool'],
      registers: [this.registry],
    });
  }

  /** Times an operation and counts its outcome. */
  async time<T>(operation: string, body: () => Promise<T>): Promise<T> {
    const end = this.operationDuration.startTimer({ operation });
    try {
      const result = await body();
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end({ outcome: 'error' });
      throw error;
    }
  }
}
