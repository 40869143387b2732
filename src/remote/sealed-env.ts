/**
 * Envelope encryption of a manifest's environment values (passwords and tokens live there): each
 * "NAME=value" entry is sealed whole with AES-256-GCM under a key derived (HKDF) from the remote's master
 * key and a fresh salt; the name stays readable for listings. The replica it belongs to (container id,
 * snapshot name) and the name are authenticated, so a sealed value copied into another manifest or
 * under another name does not open.
 *   sealedValue = "v1.<salt>.<iv>.<tag>.<ciphertext>" (base64url parts)
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { StoredEnvEntry } from './manifest.js';
import { deriveKey } from './remote-key.js';

const FORMAT = 'v1';
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

function envName(entry: string): string {
  const equals = entry.indexOf('=');
  return equals === -1 ? entry : entry.slice(0, equals);
}

function aad(context: string, name: string): Buffer {
  return Buffer.from(JSON.stringify([context, name]), 'utf8');
}

/** `context` identifies the replica: `<container id>/<snapshot name>`. */
export function sealEnv(master: Buffer, env: readonly string[], context: string): StoredEnvEntry[] {
  return env.map((entry) => {
    const name = envName(entry);
    const salt = randomBytes(SALT_BYTES);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', deriveKey(master, salt, 'manifest-env', 32), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(context, name));
    const ciphertext = Buffer.concat([cipher.update(entry, 'utf8'), cipher.final()]);
    const sealedValue = [FORMAT, ...[salt, iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'))].join('.');
    return { name, sealedValue };
  });
}

/** Throws with the entry's name (never its value) when one does not open. */
export function openEnv(master: Buffer, entries: readonly StoredEnvEntry[], context: string): string[] {
  return entries.map(({ name, sealedValue }) => {
    const [format, salt, iv, tag, ciphertext, ...rest] = sealedValue.split('.');
    if (format !== FORMAT || salt === undefined || iv === undefined || tag === undefined || ciphertext === undefined || rest.length > 0) {
      throw new Error(`environment entry ${name} is not a sealed value of a known format`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', deriveKey(master, Buffer.from(salt, 'base64url'), 'manifest-env', 32), Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aad(context, name));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const entry = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      if (envName(entry) !== name) throw new Error('name mismatch');
      return entry;
    } catch (error) {
      throw new Error(`environment entry ${name} does not open with this remote's key (another key, or the manifest was altered)`, { cause: error });
    }
  });
}
