/**
 * Down: GetObject → chunk authentication + decryption → zstd (a child process) → sha256 check (on the
 * hashing thread) → the caller. The returned
 * Readable errors (never ends cleanly) when anything on the way fails; nothing unauthenticated is
 * ever handed on.
 */
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { DecryptStream } from './decrypt-stream.js';
import { DigestCheck } from './digest-streams.js';
import { RemoteDataError } from './remote-data-error.js';
import { createDecompressStream } from './zstd-streams.js';

export interface DownloadSource {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly master: Buffer;
  /** How errors name the object (remote id and relative key; never credentials or host paths). */
  readonly where: string;
}

export function downloadDecryptedStream(source: DownloadSource, expectedSha256: string, options: { signal?: AbortSignal } = {}): Readable {
  const output = new PassThrough();
  void (async () => {
    try {
      const response = await source.client.send(new GetObjectCommand({ Bucket: source.bucket, Key: source.key }), {
        ...(options.signal !== undefined ? { abortSignal: options.signal } : {}),
      });
      if (!(response.Body instanceof Readable)) throw new Error(`${source.where}: the S3 client returned no stream body`);
      await pipeline(
        response.Body,
        new DecryptStream(source.master, source.where),
        createDecompressStream(),
        new DigestCheck(expectedSha256, source.where),
        output,
        { ...(options.signal !== undefined ? { signal: options.signal } : {}) },
      );
    } catch (error) {
      output.destroy(error instanceof NoSuchKey ? new RemoteDataError('replica_missing', `${source.where}: the object does not exist.`) : (error as Error));
    }
  })();
  return output;
}
