import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { ReplicaManifest } from '../../src/remote/manifest.js';
import { manifestKey, streamKey } from '../../src/remote/object-keys.js';
import type { S3Remote } from '../../src/remote/s3-remote.js';
import { needs } from '../support/components.js';
import { createObjectStore, type TestObjectStore } from '../support/object-store.js';
import { createTestRemote } from '../support/remote-under-test.js';

const SECRET = 'PASSWORD=hunter2-do-not-store';

function manifest(containerId: string, snapshotName: string): ReplicaManifest {
  return {
    formatVersion: 1,
    cowsnapVersion: '0.1.0',
    containerId,
    containerName: `app-${containerId.slice(0, 4)}`,
    snapshotName,
    alias: null,
    createdAt: '2026-11-28T05:00:00.000Z',
    expiresAt: null,
    uploadedAt: '2026-11-28T05:01:00.000Z',
    origin: 'api',
    tags: ['nightly'],
    config: {
      image: 'busybox:latest',
      imageId: 'sha256:abc',
      cmd: ['sleep', 'infinity'],
      entrypoint: null,
      env: [SECRET, 'EMPTY=', 'NO_VALUE'],
      labels: { a: 'b' },
      workingDir: '/',
      user: '',
      hostname: 'h',
      ports: [{ containerPort: '80/tcp', hostIp: null, hostPort: '8080' }],
      mounts: [{ type: 'bind', source: '/srv/data', destination: '/data', readOnly: false }],
      restartPolicy: { name: 'no', maximumRetryCount: 0 },
      networks: ['bridge'],
    },
    uncaptured: [],
    filesystems: [
      {
        role: 'rootfs',
        mountPoint: '/',
        driver: 'btrfs',
        stream: { key: streamKey(containerId, snapshotName, 0), parentSnapshot: null, parentId: null, snapshotId: 'uuid-1', plainBytes: 10, storedBytes: 90, sha256: 'a'.repeat(64) },
      },
    ],
  };
}

describe('remote manifests on a real S3 server (Ceph RGW)', needs('rgw'), () => {
  let store: TestObjectStore;
  let remote: S3Remote;
  before(async () => {
    store = await createObjectStore();
    remote = createTestRemote(store);
  });
  after(async () => {
    remote.close();
    await store.destroy();
  });

  async function raw(key: string): Promise<string> {
    const response = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: `cowsnap-test/${key}` }));
    return (await response.Body?.transformToString()) ?? '';
  }

  it('puts and gets a manifest; env values are sealed in the bucket and open again', async () => {
    const written = manifest('aaaa1111', 'snap-1');
    await remote.putManifest(written);
    assert.deepEqual(await remote.getManifest('aaaa1111', 'snap-1'), written);
    const stored = await raw(manifestKey('aaaa1111', 'snap-1'));
    assert.equal(stored.includes('hunter2'), false, 'the secret value is not in the bucket');
    assert.match(stored, /"name": "PASSWORD"/, 'names stay readable');
    assert.equal(await remote.getManifest('aaaa1111', 'never'), undefined);
  });

  it('lists per container and across containers, page by page, in key order', async () => {
    const containers = ['bbbb0001', 'bbbb0002', 'bbbb0003'];
    for (const id of containers) for (const name of ['n1', 'n2', 'n3']) await remote.putManifest(manifest(id, name));
    const one = await remote.listManifests({ containerId: 'bbbb0002', limit: 10 });
    assert.deepEqual(one.manifests.map((m) => m.snapshotName), ['n1', 'n2', 'n3']);
    assert.equal(one.nextCursor, undefined);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await remote.listManifests({ limit: 4, ...(cursor !== undefined ? { cursor } : {}) });
      assert.ok(page.manifests.length <= 4);
      seen.push(...page.manifests.map((m) => `${m.containerId}/${m.snapshotName}`));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== undefined && pages < 10);
    assert.deepEqual(seen, ['aaaa1111/snap-1', ...containers.flatMap((id) => ['n1', 'n2', 'n3'].map((n) => `${id}/${n}`))]);
    assert.equal(pages, 3);
    await assert.rejects(remote.listManifests({ containerId: 'bbbb0001', limit: 2, cursor: Buffer.from('containers/bbbb0002/n1/manifest.json').toString('base64url') }), {
      code: 'validation_failed',
    });
  });

  it('reports an altered manifest instead of trusting it, and a manifest under the wrong replica', async () => {
    await remote.putManifest(manifest('cccc0001', 'good'));
    await remote.putManifest(manifest('cccc0001', 'tampered'));
    const text = await raw(manifestKey('cccc0001', 'tampered'));
    await store.client.send(
      new PutObjectCommand({ Bucket: store.bucket, Key: `cowsnap-test/${manifestKey('cccc0001', 'tampered')}`, Body: text.replace('"nightly"', '"nightly", 42') }),
    );
    await store.client.send(
      new PutObjectCommand({ Bucket: store.bucket, Key: `cowsnap-test/${manifestKey('cccc0001', 'copied')}`, Body: await raw(manifestKey('cccc0001', 'good')) }),
    );
    await assert.rejects(remote.getManifest('cccc0001', 'tampered'), { code: 'manifest_invalid', message: /\/tags\/1 must be string/ });
    await assert.rejects(remote.getManifest('cccc0001', 'copied'), { code: 'manifest_invalid', message: /describes cccc0001\/good, not cccc0001\/copied/ });
    const page = await remote.listManifests({ containerId: 'cccc0001', limit: 10 });
    assert.deepEqual(page.manifests.map((m) => m.snapshotName), ['good']);
    const invalid = page.invalid ?? [];
    assert.deepEqual(invalid.map((i) => i.key), [manifestKey('cccc0001', 'copied'), manifestKey('cccc0001', 'tampered')]);
    assert.match(invalid[0]?.problem ?? '', /describes cccc0001\/good/);
    assert.deepEqual(invalid.map((i) => i.containerId), ['cccc0001', 'cccc0001'], 'each names the container its key is under');
  });

  it('a remote with another key reports manifests it cannot open', async () => {
    const stranger = createTestRemote(store);
    try {
      await assert.rejects(stranger.getManifest('aaaa1111', 'snap-1'), { code: 'manifest_invalid', message: /PASSWORD does not open with this remote's key/ });
    } finally {
      stranger.close();
    }
  });

  it('deletes a replica: manifest first, then its streams; other replicas stay', async () => {
    const { Readable } = await import('node:stream');
    await remote.uploadStream(streamKey('dddd0001', 'gone', 0), Readable.from([Buffer.from('data')]));
    await remote.putManifest(manifest('dddd0001', 'gone'));
    await remote.putManifest(manifest('dddd0001', 'kept'));
    await remote.deleteReplica('dddd0001', 'gone');
    assert.equal(await remote.getManifest('dddd0001', 'gone'), undefined);
    assert.deepEqual((await remote.verifyStream(streamKey('dddd0001', 'gone', 0), 'a'.repeat(64))).ok, false);
    assert.deepEqual((await remote.listManifests({ containerId: 'dddd0001', limit: 10 })).manifests.map((m) => m.snapshotName), ['kept']);
  });
});
