/**
 * The remote's master key: 32 random bytes in a file the operator creates (never in the bucket, the
 * database or the config). Every host sharing a bucket needs the same file; losing it loses the replicas.
 * Each stream and each manifest derives its own key from it with HKDF, so no AES-GCM key ever
 * encrypts more than one stream and nonces cannot repeat across streams.
 */
import { hkdfSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export const MASTER_KEY_BYTES = 32;

/** Problems with the key file, or undefined when it is usable (config-time check, nothing thrown). */
export function remoteKeyFileProblem(path: string): string | undefined {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist (create it with: head -c 32 /dev/urandom > FILE; chmod 600 FILE)' : `cannot be read (${(error as Error).message})`;
  }
  if (!stats.isFile()) return 'is not a regular file';
  if ((stats.mode & 0o077) !== 0) return `is accessible to group or others (mode ${(stats.mode & 0o777).toString(8)}); run chmod 600 on it`;
  if (stats.size !== MASTER_KEY_BYTES) return `holds ${String(stats.size)} bytes, expected exactly ${String(MASTER_KEY_BYTES)}`;
  return undefined;
}

export function readRemoteKey(path: string): Buffer {
  const problem = remoteKeyFileProblem(path);
  if (problem !== undefined) throw new Error(`The remote encryption key file ${path} ${problem}.`);
  return readFileSync(path);
}

/** `length` bytes for one purpose ("stream", "manifest-env") and one random salt. */
export function deriveKey(master: Buffer, salt: Buffer, purpose: string, length: number): Buffer {
  if (master.length !== MASTER_KEY_BYTES) throw new Error(`A remote master key must be ${String(MASTER_KEY_BYTES)} bytes, got ${String(master.length)}.`);
  return Buffer.from(hkdfSync('sha256', master, salt, `cowsnap remote v1 ${purpose}`, length));
}
