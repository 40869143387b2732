/**
 * The stages every uploaded stream goes through before the store: sha256 tap (on a worker thread) →
 * zstd (a child process) → chunked AES-256-GCM. Kept apart from the uploader so the bench can time them against a null
 * sink, the same code the service runs.
 */
import type { Duplex } from 'node:stream';
import { DigestTap } from './digest-streams.js';
import { EncryptStream } from './encrypt-stream.js';
import { createCompressStream } from './zstd-streams.js';

export interface SealingStages {
  /** Plain byte count and, once the stream ended, its sha256. */
  readonly tap: DigestTap;
  /** In pipeline order: tap, compress, encrypt. */
  readonly stages: readonly [DigestTap, Duplex, Duplex];
}

export function createSealingStages(master: Buffer, compressionLevel: number, onProgress?: (plainBytes: number) => void): SealingStages {
  const tap = new DigestTap(onProgress);
  return { tap, stages: [tap, createCompressStream(compressionLevel), new EncryptStream(master)] };
}
