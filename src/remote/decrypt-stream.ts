/**
 * The chunked format of chunk-format.ts in, authenticated plain bytes out. Nothing leaves before its
 * chunk's tag checked out; the end of input is where the last chunk must be, so truncation (also at a
 * chunk boundary) and appended data fail. Holds at most two chunks.
 */
import { createDecipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { chunkAad, chunkNonce, HEADER_BYTES, parseStreamHeader, TAG_BYTES, type StreamHeader } from './chunk-format.js';
import { RemoteDataError } from './remote-data-error.js';

export class DecryptStream extends Transform {
  private header: StreamHeader | undefined;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private index = 0;
  /** Stored bytes consumed so far (header included), to say where a bad chunk starts. */
  private offset = 0;

  /** `where` names the object in error messages ("stream containers/x/y/stream-0.cszst"). */
  constructor(
    private readonly master: Buffer,
    private readonly where: string,
  ) {
    super();
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffered.push(data);
    this.bufferedBytes += data.length;
    try {
      if (this.header === undefined) {
        if (this.bufferedBytes < HEADER_BYTES) {
          callback();
          return;
        }
        this.header = parseStreamHeader(this.consume(HEADER_BYTES), this.master, this.where);
      }
      const sealedChunk = this.header.chunkBytes + TAG_BYTES;
      // Strictly more than one chunk: only then is it certain that this chunk is not the last one.
      while (this.bufferedBytes > sealedChunk) this.open(this.header, this.consume(sealedChunk), false);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.header === undefined) {
        // parseStreamHeader names a short header as truncation.
        this.header = parseStreamHeader(this.consume(this.bufferedBytes), this.master, this.where);
      }
      if (this.bufferedBytes < TAG_BYTES) {
        throw new RemoteDataError(
          'replica_truncated',
          `${this.where}: the object ends after chunk ${String(this.index - 1)} without its final chunk (cut at byte ${String(this.offset + this.bufferedBytes)}).`,
        );
      }
      this.open(this.header, this.consume(this.bufferedBytes), true);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private consume(bytes: number): Buffer {
    const all = this.buffered.length === 1 ? (this.buffered[0] ?? Buffer.alloc(0)) : Buffer.concat(this.buffered);
    const taken = all.subarray(0, bytes);
    const rest = all.subarray(bytes);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
    this.offset += bytes;
    return taken;
  }

  private open(header: StreamHeader, sealed: Buffer, final: boolean): void {
    const start = this.offset - sealed.length;
    const decipher = createDecipheriv('aes-256-gcm', header.key, chunkNonce(header, this.index), { authTagLength: TAG_BYTES });
    decipher.setAAD(chunkAad(header, this.index, final));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
      // GCM's final() yields no bytes; it is where the tag is checked.
      decipher.final();
    } catch (error) {
      const what = final
        ? 'failed authentication as the final chunk: the object was altered, cut at a chunk boundary, or has data appended'
        : 'failed authentication: the object was altered or its chunks reordered';
      throw new RemoteDataError('replica_corrupt', `${this.where}: chunk ${String(this.index)} (stored bytes ${String(start)}–${String(this.offset)}) ${what}.`, { cause: error });
    }
    this.index += 1;
    this.push(plain);
  }
}
