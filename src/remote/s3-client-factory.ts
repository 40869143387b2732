/**
 * One S3 client per remote. Nothing here is specific to one S3 implementation: AWS S3, MinIO, Ceph RGW
 * and Cloudflare R2 differ only in endpoint, region and path style, which the config sets.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { RemoteConfig } from '../config/config.js';
import { readCredentialsFile } from './credentials-file.js';

export function createS3Client(remote: Pick<RemoteConfig, 'endpoint' | 'region' | 'forcePathStyle' | 'credentialsFile' | 'maxConcurrentUploads'>): S3Client {
  return new S3Client({
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
}
