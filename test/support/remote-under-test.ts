import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RemoteConfig } from '../../src/config/config.js';
import { S3Remote } from '../../src/remote/s3-remote.js';
import type { TestObjectStore } from './object-store.js';
import { scratchDir } from './scratch.js';

/** A remote config for the test store: credentials and a fresh 32-byte key in 0600 files of a scratch folder. */
export function remoteConfigFor(store: TestObjectStore, overrides: Partial<RemoteConfig> = {}): RemoteConfig {
  const dir = scratchDir('remote');
  const credentialsFile = join(dir, 's3-credentials.json');
  writeFileSync(credentialsFile, JSON.stringify({ accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey }), { mode: 0o600 });
  const encryptionKeyFile = join(dir, 'remote.key');
  writeFileSync(encryptionKeyFile, randomBytes(32), { mode: 0o600 });
  return {
    id: 'rgw',
    endpoint: store.endpoint,
    region: store.region,
    bucket: store.bucket,
    prefix: 'cowsnap-test',
    credentialsFile,
    forcePathStyle: true,
    compressionLevel: 3,
    encryptionKeyFile,
    partSizeMiB: 8,
    maxConcurrentUploads: 4,
    ...overrides,
  };
}

export function createTestRemote(store: TestObjectStore, overrides: Partial<RemoteConfig> = {}): S3Remote {
  return new S3Remote(remoteConfigFor(store, overrides));
}
