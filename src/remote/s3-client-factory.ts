/**
 * One S3 client per remote. Nothing here is specific to one S3 implementation: AWS S3, MinIO, Ceph RGW
 * and Cloudflare R2 differ only in endpoint, region and path style, which the config sets.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { RemoteConfig } from '../config/config.js';
import { readCredentialsFile } from './credentials-file.js';

export function createS3Client(remote: Pick<RemoteConfig, 'endpoint' | 'region' | 'forcePathStyle' | 'credentialsFile' | 'maxConcurrentUploads'>): S3Client {
  const client = new S3Client({
    endpoint: remote.endpoint,
    region: remote.region,
    forcePathStyle: remote.forcePathStyle,
    credentials: readCredentialsFile(remote.credentialsFile),
    // The SDK's default flexible checksums make streamed PutObject fail on some S3 implementations
    // (RGW: 411 MissingContentLength) and are not checked by all of them; integrity comes from our own
    // authenticated chunks and sha256 instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 5,
  });
  /*
   * Parts are sent as UNSIGNED-PAYLOAD (a standard SigV4 mode every S3 implementation accepts). Left to
   * itself, the signer hashes every in-memory part body with sha256 on the main thread (~2.8 s per GiB
   * on the 2-core machine without SHA extensions), in series with zstd and encryption. The bytes need no second guard:
   * each chunk carries an AES-GCM tag and the plain stream's sha256 is checked at every download/verify;
   * the request itself (key, headers) stays signed.
   */
  client.middlewareStack.add(
    (next, context) => (args) => {
      const request = args.request as { headers?: Record<string, string> } | undefined;
      if (UNSIGNED_COMMANDS.has(context.commandName ?? '') && request?.headers !== undefined) {
        request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      }
      return next(args);
    },
    { step: 'build', name: 'cowsnapUnsignedPartPayloads' },
  );
  return client;
}

const UNSIGNED_COMMANDS = new Set(['UploadPartCommand', 'PutObjectCommand']);
