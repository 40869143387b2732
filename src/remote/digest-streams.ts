/**
 * Pass-through stages that see the plain stream: one measures it on the way up (sha256 on a worker
 * thread, byte count, progress), the other checks it on the way down (on the same thread) and fails the stream instead of ending it when the
 * digest differs from the manifest's.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { OffThreadSha256 } from './off-thread-sha256.js';
import { RemoteDataError } from './remote-data-error.js';

export class DigestTap extends Transform {
  private readonly hash = new OffThreadSha256();
  private hex: string | undefined;
  bytes = 0;

  constructor(private readonly onProgress?: (bytes: number) => void) {
    super();
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += data.length;
    this.onProgress?.(this.bytes);
    // The chunk goes on at once; the next one waits only if the hashing thread fell behind.
    this.push(data);
    this.hash.update(data).then(() => {
      callback();
    }, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.hash.digest().then((hex) => {
      this.hex = hex;
      callback();
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.hex === undefined) this.hash.destroy();
    callback(error);
  }

  /** Only after the stream ended. */
  digest(): string {
    if (this.hex === undefined) throw new Error('the digest is known only once the stream ended');
    return this.hex;
  }
}

export class DigestCheck extends Transform {
  // On the hashing thread, like the tap's: on the main thread it ran in series with decryption and HTTP.
  private readonly hash = new OffThreadSha256();
  private checked = false;
  bytes = 0;

  constructor(
    private readonly expectedSha256: string,
    private readonly where: string,
  ) {
    super();
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += data.length;
    this.push(data);
    this.hash.update(data).then(() => {
      callback();
    }, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.hash.digest().then((actual) => {
      this.checked = true;
      if (actual === this.expectedSha256) {
        callback();
        return;
      }
      callback(
        new RemoteDataError(
          'replica_digest_mismatch',
          `${this.where}: the decrypted stream's sha256 ${actual} (${String(this.bytes)} bytes) is not the manifest's ${this.expectedSha256}.`,
        ),
      );
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.checked) this.hash.destroy();
    callback(error);
  }
}

/** Counts what flows through (stored bytes after encryption). */
export class ByteCounter extends Transform {
  bytes = 0;

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += data.length;
    callback(null, data);
  }
}
