/**
 * The background part every restore, copy and recovery from a remote shares: download what the pool
 * lacks (progress to the operation), then the local step (restore or copy), and tell the metrics
 * observer how it ended and how many plain bytes came down — also when the local step failed after a
 * complete download.
 */
import type { Logger } from 'pino';
import type { CapturedFilesystem } from './model.js';
import type { RemotePort, ReplicaManifest } from './remote-port.js';
import type { ReplicaDownloadObserver } from './remote-restore-service.js';
import type { ReplicaDownloader } from './replica-download.js';

export interface ObservedDownload {
  readonly kind: 'restore' | 'copy' | 'recover';
  readonly remote: RemotePort;
  readonly manifest: ReplicaManifest;
  readonly signal: AbortSignal;
  readonly progress: (done: number, total: number) => void;
  readonly log: Logger;
  /** What follows the download, for the log line ("restoring", "copying"). */
  readonly next: string;
  /** A restore's live filesystems, read first (a failure there counts as a failed download too). */
  readonly live?: () => Promise<CapturedFilesystem[]>;
  readonly expiryDays?: number | undefined;
}

export async function downloadThen(
  deps: { readonly downloader: ReplicaDownloader; readonly observer?: ReplicaDownloadObserver | undefined },
  job: ObservedDownload,
  localStep: () => Promise<void>,
): Promise<void> {
  let bytes = 0;
  try {
    const live = job.live === undefined ? undefined : await job.live();
    const downloaded = await deps.downloader.download(job.remote, job.manifest, {
      ...(live !== undefined && { live }),
      signal: job.signal,
      ...(job.expiryDays !== undefined && { expiryDays: job.expiryDays }),
      onProgress: (done, total) => {
        bytes = done;
        job.progress(done, total);
      },
    });
    job.log.info({ downloaded: downloaded.downloaded, base: downloaded.base, bytes: downloaded.bytes }, `replica chain on the pool; ${job.next}`);
    await localStep();
    deps.observer?.downloaded(job.remote.id, job.kind, 'succeeded', bytes);
  } catch (error) {
    deps.observer?.downloaded(job.remote.id, job.kind, 'failed', bytes);
    throw error;
  }
}
