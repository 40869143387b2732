import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planChain, type LocalPresence } from '../../src/core/replica-chain.js';
import type { ReplicaManifest } from '../../src/core/remote-port.js';
import { MANIFEST_FORMAT_VERSION } from '../../src/remote/manifest.js';

const CONTAINER = 'c'.repeat(64);

function manifest(name: string, parent: string | null, bytes: number): ReplicaManifest {
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    cowsnapVersion: 'test',
    containerId: CONTAINER,
    containerName: 'web',
    snapshotName: name,
    alias: null,
    createdAt: '2026-11-28T00:00:00.000Z',
    expiresAt: null,
    uploadedAt: '2026-11-28T00:00:00.000Z',
    origin: 'api',
    tags: [],
    config: {
      image: 'busybox', imageId: 'sha256:1', cmd: null, entrypoint: null, env: [], labels: {}, workingDir: '', user: '', hostname: 'web',
      ports: [], mounts: [], restartPolicy: { name: 'no', maximumRetryCount: 0 }, networks: ['bridge'],
    },
    uncaptured: [],
    filesystems: [
      { role: 'rootfs', mountPoint: '/', driver: 'btrfs', stream: { key: `k/${name}`, parentSnapshot: parent, parentId: parent, snapshotId: name, plainBytes: bytes, storedBytes: bytes, sha256: 'x' } },
    ],
  };
}

function remoteWith(...manifests: ReplicaManifest[]): { id: string; getManifest: (c: string, s: string) => Promise<ReplicaManifest | undefined> } {
  const byName = new Map(manifests.map((m) => [m.snapshotName, m]));
  return { id: 'offsite', getManifest: (_c, s) => Promise.resolve(byName.get(s)) };
}

const presence = (present: string[], different: string[] = []) => (m: ReplicaManifest): Promise<LocalPresence> =>
  Promise.resolve(
    different.includes(m.snapshotName)
      ? { kind: 'different', why: `${m.snapshotName} differs` }
      : present.includes(m.snapshotName)
        ? { kind: 'present' }
        : { kind: 'absent' },
  );

describe('planChain: which replicas a download needs', () => {
  const s1 = manifest('s1', null, 1000);
  const s2 = manifest('s2', 's1', 20);
  const s3 = manifest('s3', 's2', 3);

  it('nothing on the pool: the whole chain, oldest first, with its bytes', async () => {
    const plan = await planChain(remoteWith(s1, s2, s3), s3, presence([]));
    assert.deepEqual(plan.download.map((m) => m.snapshotName), ['s1', 's2', 's3']);
    assert.equal(plan.base, null);
    assert.equal(plan.bytes, 1023);
  });

  it('stops at the newest ancestor the pool has: only the rest is downloaded', async () => {
    const plan = await planChain(remoteWith(s1, s2, s3), s3, presence(['s1']));
    assert.deepEqual(plan.download.map((m) => m.snapshotName), ['s2', 's3']);
    assert.equal(plan.base?.snapshotName, 's1');
    assert.equal(plan.bytes, 23);
  });

  it('the wanted snapshot on the pool already: nothing to download', async () => {
    const plan = await planChain(remoteWith(s1, s2, s3), s3, presence(['s3']));
    assert.deepEqual([plan.download.length, plan.base?.snapshotName, plan.bytes], [0, 's3', 0]);
  });

  it('a missing parent replica (and not on the pool) is a broken chain, named', async () => {
    await assert.rejects(planChain(remoteWith(s2, s3), s3, presence([])), { code: 'replica_chain_broken', message: /incremental to s1/ });
  });

  it('a local snapshot of the same name with other data is refused, never overwritten', async () => {
    await assert.rejects(planChain(remoteWith(s1, s2, s3), s3, presence([], ['s2'])), { code: 'replica_mismatch', message: /s2 differs/ });
  });

  it('manifests naming each other as parents are not followed forever', async () => {
    const a = manifest('a', 'b', 1);
    const b = manifest('b', 'a', 1);
    await assert.rejects(planChain(remoteWith(a, b), a, presence([])), { code: 'replica_chain_broken', message: /loop/ });
  });
});
