/**
 * The slow hash of an API key's secret: scrypt (Node's crypto, memory-hard), 16-byte salt, 32-byte
 * output. ~50 ms of one core per hash, so the authenticator caches verified keys instead of paying it
 * per request.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// N = 2^15 with r = 8 uses 32 MiB; maxmem must allow it (Node's default limit is exactly 32 MiB).
const OPTIONS: ScryptOptions = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

function derive(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, OPTIONS, (error, key) => {
      if (error === null) resolve(key);
      else reject(error);
    });
  });
}

export async function hashSecret(secret: string): Promise<{ salt: Buffer; hash: Buffer }> {
  const salt = randomBytes(16);
  return { salt, hash: await derive(secret, salt) };
}

export async function secretMatches(secret: string, salt: Buffer, hash: Buffer): Promise<boolean> {
  const derived = await derive(secret, salt);
  return derived.length === hash.length && timingSafeEqual(derived, hash);
}
