import { Counter, Histogram, type Registry } from 'prom-client';
import type { ReplicaUploadObserver } from './replica-service.js';

/** Replica upload metrics, on the service's registry (GET /metrics). */
export class ReplicaMetrics implements ReplicaUploadObserver {
  private readonly uploads: Counter<'remote' | 'result'>;
  private readonly bytes: Counter<'remote' | 'kind'>;
  private readonly duration: Histogram<'remote' | 'result'>;

  constructor(registry: Registry) {
    this.uploads = new Counter({
      name: 'cowsnap_replica_uploads_total',
      help: 'Replica uploads that ended, by remote and result (ready, failed)',
      labelNames: ['remote', 'result'],
      registers: [registry],
    });
    this.bytes = new Counter({
      name: 'cowsnap_replica_uploaded_bytes_total',
      help: 'Bytes of finished replica uploads: plain (replication stream) and stored (compressed + encrypted, in the bucket)',
      labelNames: ['remote', 'kind'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'cowsnap_replica_upload_duration_seconds',
      help: 'Duration of replica uploads, by remote and result',
      labelNames: ['remote', 'result'],
      buckets: [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 4 * 3600],
      registers: [registry],
    });
  }

  uploadFinished(remoteId: string, result: 'ready' | 'failed', seconds: number, bytes: { plain: number; stored: number }): void {
    this.uploads.inc({ remote: remoteId, result });
    this.duration.observe({ remote: remoteId, result }, seconds);
    if (bytes.plain > 0) this.bytes.inc({ remote: remoteId, kind: 'plain' }, bytes.plain);
    if (bytes.stored > 0) this.bytes.inc({ remote: remoteId, kind: 'stored' }, bytes.stored);
  }
}
