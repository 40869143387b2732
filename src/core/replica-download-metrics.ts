import { Counter, type Registry } from 'prom-client';
import type { ReplicaDownloadObserver } from './remote-restore-service.js';

/** Restore, copy and recovery from remotes, on the service's registry (GET /metrics). */
export class ReplicaDownloadMetrics implements ReplicaDownloadObserver {
  private readonly operations: Counter<'remote' | 'kind' | 'result'>;
  private readonly bytes: Counter<'remote'>;

  constructor(registry: Registry) {
    this.operations = new Counter({
      name: 'cowsnap_replica_downloads_total',
      help: 'Restores, copies and recoveries from remotes that ended, by remote, kind (restore, copy, recover) and result',
      labelNames: ['remote', 'kind', 'result'],
      registers: [registry],
    });
    this.bytes = new Counter({
      name: 'cowsnap_replica_downloaded_bytes_total',
      help: 'Plain bytes (replication stream, after decryption and decompression) downloaded from remotes and received into a pool',
      labelNames: ['remote'],
      registers: [registry],
    });
  }

  downloaded(remoteId: string, kind: 'restore' | 'copy' | 'recover', result: 'succeeded' | 'failed', bytes: number): void {
    this.operations.inc({ remote: remoteId, kind, result });
    if (bytes > 0) this.bytes.inc({ remote: remoteId }, bytes);
  }
}
