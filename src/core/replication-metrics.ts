import { Counter, Gauge, type Registry } from 'prom-client';
import type { RemoteReaperObserver } from './remote-reaper.js';

/**
 * Scheduled replication and remote retention metrics (GET /metrics). Bytes up are
 * cowsnap_replica_uploaded_bytes_total (replica-metrics.ts); the lag is read from SQLite at scrape time.
 */
export class ReplicationMetrics implements RemoteReaperObserver {
  private readonly deleted: Counter<'remote'>;
  private readonly failures: Counter<'remote'>;

  constructor(registry: Registry, lag: () => { scheduleId: number; containerId: string; remoteId: string; seconds: number }[]) {
    new Gauge({
      name: 'cowsnap_schedule_replica_lag_seconds',
      help: 'Per replicating schedule: seconds since the oldest snapshot still waiting for replication (taken after its newest replicated one) was taken; 0 when caught up',
      labelNames: ['schedule', 'container', 'remote'],
      registers: [registry],
      collect() {
        this.reset();
        for (const entry of lag()) this.set({ schedule: String(entry.scheduleId), container: entry.containerId.slice(0, 12), remote: entry.remoteId }, entry.seconds);
      },
    });
    this.deleted = new Counter({
      name: 'cowsnap_remote_reaper_deleted_total',
      help: 'Expired replicas the remote reaper deleted, by remote',
      labelNames: ['remote'],
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'cowsnap_remote_reaper_failures_total',
      help: 'Deletes of expired replicas that failed (retried on the next run), by remote',
      labelNames: ['remote'],
      registers: [registry],
    });
  }

  remoteReaped(remoteId: string, deleted: number, failed: number): void {
    if (deleted > 0) this.deleted.inc({ remote: remoteId }, deleted);
    if (failed > 0) this.failures.inc({ remote: remoteId }, failed);
  }
}
