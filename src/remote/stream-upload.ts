/**
 * Up: plain → sha256 tap → zstd → chunked AES-256-GCM (sealing-stages.ts) → multipart upload. Back-pressure runs end to
 * end (Upload pulls parts only when a slot in its queue is free), so memory is about
 * partSize × (queueSize + 1) plus one encryption chunk, whatever the stream's size.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ByteCounter } from './digest-streams.js';
import { createSealingStages } from './sealing-stages.js';

export interface UploadTarget {
  readonly client: S3Client;
  readonly bucket: string;
  /** Absolute object key (prefix included). */
  readonly key: string;
  readonly master: Buffer;
  readonly compressionLevel: number;
  readonly partSizeBytes: number;
  readonly queueSize: number;
}

export interface UploadedStream {
  readonly plainBytes: number;
  readonly storedBytes: number;
  readonly sha256: string;
}

export async function uploadEncryptedStream(
  target: UploadTarget,
  plain: Readable,
  options: { onProgress?: (plainBytes: number) => void; signal?: AbortSignal } = {},
): Promise<UploadedStream> {
  const { tap, stages } = createSealingStages(target.master, target.compressionLevel, options.onProgress);
  const stored = new ByteCounter();
  const upload = new Upload({
    client: target.client,
    params: { Bucket: target.bucket, Key: target.key, Body: stored, ContentType: 'application/octet-stream' },
    partSize: target.partSizeBytes,
    queueSize: target.queueSize,
    // A failed upload aborts its multipart upload; a crash leaves one for abortIncompleteUploads.
    leavePartsOnError: false,
  });
  // Stopping goes through the body only: a destroyed body fails the Upload's reader, which aborts the
  // multipart upload and only then rejects done(). Upload.abort() would reject done() at once and abort
  // the multipart upload later, after we returned (a test listing open uploads then still saw one).
  const flowing = pipeline(plain, ...stages, stored, {
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  const uploaded = upload.done();
  try {
    await Promise.all([flowing, uploaded]);
  } catch (error) {
    // Whichever side failed first, stop the other one and wait for it, so nothing runs on afterwards.
    stored.destroy(error as Error);
    plain.destroy();
    await Promise.allSettled([flowing, uploaded]);
    throw error;
  }
  return { plainBytes: tap.bytes, storedBytes: stored.bytes, sha256: tap.digest() };
}
