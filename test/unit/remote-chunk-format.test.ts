import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { HEADER_BYTES, TAG_BYTES } from '../../src/remote/chunk-format.js';
import { DecryptStream } from '../../src/remote/decrypt-stream.js';
import { EncryptStream } from '../../src/remote/encrypt-stream.js';

const master = randomBytes(32);
const CHUNK = 1000;

/** Feeds `data` in pieces of `piece` bytes, so chunk boundaries never line up with writes. */
function pieces(data: Buffer, piece: number): Readable {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += piece) parts.push(data.subarray(offset, offset + piece));
  return Readable.from(parts);
}

async function seal(plain: Buffer, chunk = CHUNK): Promise<Buffer> {
  return buffer(pieces(plain, 333).pipe(new EncryptStream(master, chunk)));
}

async function open(sealed: Buffer, key = master): Promise<Buffer> {
  const decrypt = new DecryptStream(key, 'stream test');
  return buffer(pieces(sealed, 777).pipe(decrypt));
}

function sealedChunk(index: number): { start: number; end: number } {
  const start = HEADER_BYTES + index * (CHUNK + TAG_BYTES);
  return { start, end: start + CHUNK + TAG_BYTES };
}

describe('remote stream chunk format (AES-256-GCM chunks)', () => {
  it('round-trips streams of every awkward length, empty and exact multiples included', async () => {
    for (const length of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17]) {
      const plain = randomBytes(length);
      const sealed = await seal(plain);
      const chunks = Math.max(1, Math.ceil(length / CHUNK));
      assert.equal(sealed.length, HEADER_BYTES + length + chunks * TAG_BYTES, `length ${String(length)}`);
      assert.deepEqual(await open(sealed), plain, `length ${String(length)}`);
    }
  });

  it('stores no plaintext and a fresh salt per stream: the same input never encrypts the same way twice', async () => {
    const plain = Buffer.from('MARKER-cowsnap-plaintext '.repeat(200));
    const [a, b] = [await seal(plain), await seal(plain)];
    assert.equal(a.includes(Buffer.from('MARKER-cowsnap')), false);
    assert.notDeepEqual(a.subarray(0, HEADER_BYTES), b.subarray(0, HEADER_BYTES));
    assert.notDeepEqual(a.subarray(HEADER_BYTES), b.subarray(HEADER_BYTES));
  });

  it('rejects a flipped byte in any chunk, naming the chunk', async () => {
    const sealed = await seal(randomBytes(3 * CHUNK + 10));
    for (const [index, position] of [[0, sealedChunk(0).start + 5], [1, sealedChunk(1).end - 1], [3, sealed.length - 3]] as const) {
      const altered = Buffer.from(sealed);
      altered[position] = (altered[position] ?? 0) ^ 0x01;
      await assert.rejects(open(altered), { code: 'replica_corrupt', message: new RegExp(`chunk ${String(index)} `) });
    }
  });

  it('rejects a flipped header byte (authenticated by every chunk)', async () => {
    const sealed = await seal(randomBytes(2 * CHUNK));
    const altered = Buffer.from(sealed);
    altered[10] = (altered[10] ?? 0) ^ 0x01; // the reserved field after version/cipher
    await assert.rejects(open(altered), { code: 'replica_corrupt' });
  });

  it('rejects truncation inside a chunk, at a chunk boundary, inside the header, and appended data', async () => {
    const sealed = await seal(randomBytes(3 * CHUNK + 10));
    await assert.rejects(open(sealed.subarray(0, sealed.length - 5)), { code: 'replica_corrupt' });
    await assert.rejects(open(sealed.subarray(0, sealedChunk(2).end)), { code: 'replica_corrupt', message: /final chunk/ });
    await assert.rejects(open(sealed.subarray(0, sealedChunk(1).start + 3)), { code: 'replica_truncated' });
    await assert.rejects(open(sealed.subarray(0, 20)), { code: 'replica_truncated', message: /header/ });
    await assert.rejects(open(Buffer.concat([sealed, Buffer.from('extra')])), { code: 'replica_corrupt' });
  });

  it('rejects reordered chunks and a chunk spliced in from another stream', async () => {
    const sealed = await seal(randomBytes(3 * CHUNK + 10));
    const [c0, c1] = [sealedChunk(0), sealedChunk(1)];
    const swapped = Buffer.concat([sealed.subarray(0, c0.start), sealed.subarray(c1.start, c1.end), sealed.subarray(c0.start, c0.end), sealed.subarray(c1.end)]);
    await assert.rejects(open(swapped), { code: 'replica_corrupt', message: /chunk 0 / });
    const other = await seal(randomBytes(3 * CHUNK + 10));
    const spliced = Buffer.concat([sealed.subarray(0, c1.start), other.subarray(c1.start, c1.end), sealed.subarray(c1.end)]);
    await assert.rejects(open(spliced), { code: 'replica_corrupt', message: /chunk 1 / });
  });

  it('names a different key as such, before any chunk', async () => {
    const sealed = await seal(randomBytes(CHUNK));
    await assert.rejects(open(sealed, randomBytes(32)), { code: 'replica_key_mismatch', message: /different key/ });
  });

  it('rejects what is not a cowsnap stream', async () => {
    await assert.rejects(open(Buffer.alloc(HEADER_BYTES + 100)), { code: 'replica_format_unknown' });
  });
});
