/**
 * Encryption at rest for secrets the store keeps (containers' environment values, design.md §4):
 * AES-256-GCM with a key held in a file outside the database, so a copied or leaked database file
 * alone reveals nothing.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { privateFileProblem } from '../config/private-file.js';
import { InternalError } from '../errors/internal-error.js';

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Blob format version; a future key rotation or cipher change gets a new prefix and old blobs still open. */
const FORMAT = 'v1';

/**
 * Reads the 32-byte key at `path`, creating it (random, mode 0600) on first use. Refuses a key file of
 * the wrong size (a truncated key would silently make every secret unreadable) or one that group or
 * others can read.
 */
export function loadOrCreateKey(path: string): Buffer {
  try {
    return readKey(path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  createKey(path);
  return readKey(path);
}

function readKey(path: string): Buffer {
  const problem = privateFileProblem(path, statSync(path));
  if (problem !== null) throw keyError(path, problem);
  const key = readFileSync(path);
  if (key.length !== KEY_BYTES) throw keyError(path, `holds ${key.length} bytes, expected exactly ${KEY_BYTES}`);
  return key;
}

/**
 * Writes a temporary file and hard-links it into place: the key appears complete or not at all, and
 * when two processes start at once the second link fails and both read the same winner.
 */
function createKey(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, randomBytes(KEY_BYTES));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function keyError(path: string, problem: string): InternalError {
  return new InternalError('secret_key_invalid', `The secret key file ${path} ${problem}.`);
}

/** Seals strings as `v1:<iv>:<tag>:<ciphertext>` (base64url parts); a fresh random IV per call. */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new InternalError('secret_key_invalid', `A secret key must be ${KEY_BYTES} bytes, got ${key.length}.`);
    this.key = Buffer.from(key);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [FORMAT, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join(':');
  }

  /** Throws `secret_decrypt_failed` when the blob was altered or sealed with another key. */
  decrypt(blob: string): string {
    const parts = blob.split(':');
    const [format, iv, tag, ciphertext] = parts;
    if (parts.length !== 4 || format === undefined || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw decryptError('it is not a sealed secret (expected "v1:<iv>:<tag>:<ciphertext>")');
    }
    if (format !== FORMAT) throw decryptError(`its format "${format}" is unknown to this cowsnap version`);
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw decryptError('its IV or authentication tag has the wrong length');
    const decipher = createDecipheriv('aes-256-gcm', this.key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tagBytes);
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw decryptError('the key file is not the one it was sealed with, or the stored data was altered', error);
    }
  }
}

function decryptError(reason: string, cause?: unknown): InternalError {
  return new InternalError('secret_decrypt_failed', `Cannot decrypt a stored secret: ${reason}.`, cause === undefined ? undefined : { cause });
}
