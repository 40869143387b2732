/**
 * The encrypted stream format (one object per replicated filesystem stream):
 *
 *   header (68 bytes, in the clear, authenticated by every chunk):
 *     magic "CSNAPENC" | version u8 = 1 | cipher u8 = 1 (AES-256-GCM, HKDF-SHA256) | reserved u16
 *     | chunk size u32 (plaintext bytes per chunk) | salt 32 bytes | nonce prefix 4 bytes | key check 16 bytes
 *   chunks: ciphertext + 16-byte GCM tag. Every chunk but the last holds exactly `chunk size` bytes;
 *     the last holds 0..chunk size bytes. There is always a last chunk (an empty stream has one, empty).
 *
 * The stream key and key check come from HKDF(master key, salt). A chunk's nonce is the prefix and its
 * 64-bit index; its additional data is the header, the index and a final flag. So a changed byte, a
 * chunk moved or dropped, a stream cut at a chunk boundary, data appended after the last chunk, or a
 * chunk spliced in from another stream all fail the tag check, and a different key is named as such.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { RemoteDataError } from './remote-data-error.js';
import { deriveKey } from './remote-key.js';

export const MAGIC = Buffer.from('CSNAPENC', 'ascii');
export const FORMAT_VERSION = 1;
const CIPHER_AES_256_GCM = 1;
const SALT_BYTES = 32;
const NONCE_PREFIX_BYTES = 4;
const KEY_CHECK_BYTES = 16;
export const TAG_BYTES = 16;
export const HEADER_BYTES = MAGIC.length + 1 + 1 + 2 + 4 + SALT_BYTES + NONCE_PREFIX_BYTES + KEY_CHECK_BYTES;
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

export interface StreamHeader {
  readonly bytes: Buffer;
  readonly chunkBytes: number;
  readonly key: Buffer;
  readonly noncePrefix: Buffer;
}

function streamSecrets(master: Buffer, salt: Buffer): { key: Buffer; check: Buffer } {
  const okm = deriveKey(master, salt, 'stream', 32 + KEY_CHECK_BYTES);
  return { key: okm.subarray(0, 32), check: okm.subarray(32) };
}

/** A fresh header (random salt and nonce prefix) for a new stream. */
export function newStreamHeader(master: Buffer, chunkBytes = DEFAULT_CHUNK_BYTES): StreamHeader {
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw new Error(`Invalid chunk size ${String(chunkBytes)}`);
  const salt = randomBytes(SALT_BYTES);
  const noncePrefix = randomBytes(NONCE_PREFIX_BYTES);
  const { key, check } = streamSecrets(master, salt);
  const bytes = Buffer.alloc(HEADER_BYTES);
  let offset = MAGIC.copy(bytes, 0);
  offset = bytes.writeUInt8(FORMAT_VERSION, offset);
  offset = bytes.writeUInt8(CIPHER_AES_256_GCM, offset);
  offset = bytes.writeUInt16BE(0, offset);
  offset = bytes.writeUInt32BE(chunkBytes, offset);
  offset += salt.copy(bytes, offset);
  offset += noncePrefix.copy(bytes, offset);
  check.copy(bytes, offset);
  return { bytes, chunkBytes, key, noncePrefix };
}

/** Parses and checks a header read from the store; throws a RemoteDataError naming the problem. */
export function parseStreamHeader(bytes: Buffer, master: Buffer, where: string): StreamHeader {
  if (bytes.length < HEADER_BYTES) throw new RemoteDataError('replica_truncated', `${where}: the object ends inside its ${String(HEADER_BYTES)}-byte header (${String(bytes.length)} bytes).`);
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new RemoteDataError('replica_format_unknown', `${where}: not a cowsnap encrypted stream (bad magic).`);
  let offset = MAGIC.length;
  const version = bytes.readUInt8(offset++);
  const cipher = bytes.readUInt8(offset++);
  if (version !== FORMAT_VERSION || cipher !== CIPHER_AES_256_GCM) {
    throw new RemoteDataError('replica_format_unknown', `${where}: stream format ${String(version)}/cipher ${String(cipher)} is unknown to this cowsnap version.`);
  }
  offset += 2;
  const chunkBytes = bytes.readUInt32BE(offset);
  offset += 4;
  if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw new RemoteDataError('replica_corrupt', `${where}: the header's chunk size ${String(chunkBytes)} is out of range.`);
  const salt = bytes.subarray(offset, offset + SALT_BYTES);
  offset += SALT_BYTES;
  const noncePrefix = Buffer.from(bytes.subarray(offset, offset + NONCE_PREFIX_BYTES));
  offset += NONCE_PREFIX_BYTES;
  const storedCheck = bytes.subarray(offset, offset + KEY_CHECK_BYTES);
  const { key, check } = streamSecrets(master, salt);
  if (!timingSafeEqual(storedCheck, check)) {
    throw new RemoteDataError(
      'replica_key_mismatch',
      `${where}: encrypted with a different key than this remote's key file (or its header was altered).`,
    );
  }
  return { bytes: Buffer.from(bytes.subarray(0, HEADER_BYTES)), chunkBytes, key, noncePrefix };
}

export function chunkNonce(header: StreamHeader, index: number): Buffer {
  const nonce = Buffer.alloc(12);
  header.noncePrefix.copy(nonce, 0);
  nonce.writeBigUInt64BE(BigInt(index), 4);
  return nonce;
}

export function chunkAad(header: StreamHeader, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail.writeUInt8(final ? 1 : 0, 8);
  return Buffer.concat([header.bytes, tail]);
}
