/**
 * Plain bytes in, the chunked AES-256-GCM format of chunk-format.ts out. Holds at most one chunk:
 * a full chunk is sealed only when more input arrives (then it is not the last) or at the end (then it
 * is), because the final flag is part of what each tag authenticates.
 */
import { createCipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { chunkAad, chunkNonce, newStreamHeader, TAG_BYTES, type StreamHeader } from './chunk-format.js';

export class EncryptStream extends Transform {
  private readonly header: StreamHeader;
  private readonly pending: Buffer;
  private filled = 0;
  private index = 0;
  private headerSent = false;

  constructor(master: Buffer, chunkBytes?: number) {
    super();
    this.header = newStreamHeader(master, chunkBytes);
    this.pending = Buffer.alloc(this.header.chunkBytes);
  }

  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.sendHeaderOnce();
    let offset = 0;
    while (offset < data.length) {
      if (this.filled === this.pending.length) this.seal(false);
      const copied = data.copy(this.pending, this.filled, offset);
      this.filled += copied;
      offset += copied;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.sendHeaderOnce();
    this.seal(true);
    callback();
  }

  private sendHeaderOnce(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    this.push(this.header.bytes);
  }

  private seal(final: boolean): void {
    const cipher = createCipheriv('aes-256-gcm', this.header.key, chunkNonce(this.header, this.index), { authTagLength: TAG_BYTES });
    cipher.setAAD(chunkAad(this.header, this.index, final));
    // Pushed as they come: concatenating ciphertext and tag copied every chunk once more (and allocated
    // another 1 MiB), a measurable share of this stage's CPU.
    this.push(cipher.update(this.pending.subarray(0, this.filled)));
    this.push(Buffer.concat([cipher.final(), cipher.getAuthTag()]));
    this.index += 1;
    this.filled = 0;
  }
}
