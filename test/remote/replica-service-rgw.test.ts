/**
 * The replica service against a real S3 server (Ceph RGW) through the real adapter: manifests the adapter
 * validates, sealed env, listing, chains, verify, multipart cleanup. The storage driver is the in-memory
 * send driver here; test/e2e/replicas.test.ts runs the whole stack with btrfs send.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { RemoteCatalog } from '../../src/core/remote-catalog.js';
import { RemoteRegistry } from '../../src/core/remote-registry.js';
import type { S3Remote } from '../../src/remote/s3-remote.js';
import { streamKey } from '../../src/remote/object-keys.js';
import type { SendStream, SnapshotIdentity } from '../../storage-drivers/driver.js';
import { FakeSendDriver } from '../core/fake-send-driver.js';
import { harness, readySnapshot } from '../core/replica-harness.js';
import { needs } from '../support/components.js';
import { createObjectStore, type TestObjectStore } from '../support/object-store.js';
import { createTestRemote } from '../support/remote-under-test.js';
import { CONTAINER_ID, createTestStore, withContainer, type TestStore } from '../store/store-fixture.js';

const MiB = 1024 * 1024;
const MARKER = 'PLAINTEXT-FILE-CONTENT-MARKER-';

/** Streams full of a recognisable plaintext marker, so the bucket can be searched for it. */
class MarkerDriver extends FakeSendDriver {
  /** When set, send() streams this many MiB and then stalls until `release` is called. */
  stallAfterMiB: number | undefined;
  release: () => void = () => undefined;

  override send(dataset: string, snapshot: string, options?: { parent?: string }): Promise<SendStream> {
    this.sends.push({ dataset, snapshot, parent: options?.parent });
    const stallAt = this.stallAfterMiB;
    const mib = stallAt !== undefined ? stallAt + 8 : options?.parent === undefined ? 24 : 1;
    const gate = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    const chunk = (i: number): Buffer => Buffer.concat([Buffer.from(`${MARKER}${snapshot}-${String(i)}|`.repeat(4096)), randomBytes(MiB / 4)]).subarray(0, MiB);
    async function* body(): AsyncGenerator<Buffer> {
      for (let i = 0; i < mib; i += 1) {
        if (stallAt !== undefined && i === stallAt) await gate;
        yield chunk(i);
      }
    }
    const stream = Readable.from(body());
    const done = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', () => {
        if (!stream.readableEnded) reject(new Error('destroyed'));
      });
    });
    return Promise.resolve({ stream, done });
  }

  override snapshotIdentity(_dataset: string, snapshot: string): Promise<SnapshotIdentity> {
    return Promise.resolve({ id: `uuid-${snapshot}`, receivedFrom: null });
  }
}

describe('replica service on a real S3 server (Ceph RGW)', needs('rgw'), () => {
  let objects: TestObjectStore;
  let remote: S3Remote;
  let test: TestStore;
  before(async () => {
    objects = await createObjectStore();
    remote = createTestRemote(objects, { id: 'offsite' });
    test = createTestStore();
    withContainer(test);
  });
  after(async () => {
    remote.close();
    await test.destroy();
    await objects.destroy();
  });

  async function allObjects(): Promise<{ key: string; body: Buffer }[]> {
    const listed = await objects.client.send(new ListObjectsV2Command({ Bucket: objects.bucket }));
    return Promise.all(
      (listed.Contents ?? []).map(async (o) => {
        const got = await objects.client.send(new GetObjectCommand({ Bucket: objects.bucket, Key: o.Key }));
        return { key: o.Key ?? '', body: Buffer.from((await got.Body?.transformToByteArray()) ?? []) };
      }),
    );
  }

  it('pushes full then incremental; lists both from the bucket; nothing readable without the key; verify catches a flipped byte', async () => {
    const drivers = { main: new MarkerDriver(), tank: new MarkerDriver() };
    const h = harness(test, { remote, drivers });
    const first = readySnapshot(test, '2026-03-04T05:00:00Z');
    await h.service.push('web', first.name, 'offsite');
    await h.service.idle();
    const second = readySnapshot(test, '2026-03-04T06:00:00Z');
    await h.service.push('web', second.name, 'offsite');
    await h.service.idle();
    const [r1, r2] = [first, second].map((s) => h.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: s.name, remoteId: 'offsite' }));
    assert.equal(r1?.state, 'ready', r1?.error ?? '');
    assert.equal(r2?.state, 'ready', r2?.error ?? '');
    assert.equal(r2.parentSnapshot, first.name);
    assert.ok((r2.storedBytes ?? 0) * 10 < (r1.storedBytes ?? 0), `incremental ${String(r2.storedBytes)} ≪ full ${String(r1.storedBytes)}`);

    const catalog = new RemoteCatalog({ remotes: new RemoteRegistry([remote]), store: test.store });
    const listed = await catalog.listSnapshots('offsite', { limit: 10, offset: 0 });
    assert.deepEqual(listed.manifests.map((m) => m.snapshotName), [first.name, second.name]);
    assert.deepEqual(listed.invalid, []);
    assert.equal(listed.manifests[0]?.config.env[0], 'DB_PASSWORD=hunter2-very-secret', 'the adapter opens sealed env again');

    for (const object of await allObjects()) {
      assert.ok(!object.body.includes(MARKER), `plaintext stream data in ${object.key}`);
      assert.ok(!object.body.includes('hunter2-very-secret'), `plaintext env value in ${object.key}`);
    }

    await assert.rejects(h.service.deleteReplica('web', first.name, 'offsite'), { code: 'replica_has_dependents' });
    assert.equal((await h.service.verify('web', second.name, 'offsite')).ok, true);
    const key = `cowsnap-test/${streamKey(CONTAINER_ID, first.name, 1)}`;
    const got = await objects.client.send(new GetObjectCommand({ Bucket: objects.bucket, Key: key }));
    const body = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    const at = Math.floor(body.length / 2);
    body.writeUInt8(body.readUInt8(at) ^ 0x01, at);
    await objects.client.send(new PutObjectCommand({ Bucket: objects.bucket, Key: key, Body: body }));
    const bad = await h.service.verify('web', first.name, 'offsite');
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.streams.map((s) => [s.mountPoint, s.ok]), [['/', true], ['/data', false]]);
    assert.ok(bad.streams[1]?.problem, 'the problem is named');
  });

  it('an upload stopped midway resumes at the next start and leaves no multipart upload behind', async () => {
    const drivers = { main: new MarkerDriver(), tank: new MarkerDriver() };
    // A quarter of each MiB is random: 56 MiB plain is ~14 MiB compressed, more than one 8 MiB part even with
    // the ~8 MiB of input the zstd process holds in its job buffers while the stream stalls.
    drivers.main.stallAfterMiB = 56;
    const first = harness(test, { remote, drivers });
    const snapshot = readySnapshot(test, '2026-03-04T09:00:00Z');
    const pushed = await first.service.push('web', snapshot.name, 'offsite');
    let started = false;
    for (let i = 0; i < 300 && !started; i += 1) {
      const uploads = await objects.client.send(new ListMultipartUploadsCommand({ Bucket: objects.bucket }));
      started = (uploads.Uploads ?? []).length > 0;
      if (!started) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(started, 'a multipart upload is in flight');
    await first.service.close();
    drivers.main.release();
    assert.equal(first.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: snapshot.name, remoteId: 'offsite' })?.state, 'uploading');

    drivers.main.stallAfterMiB = undefined;
    test.reopen();
    const second = harness(test, { remote, drivers });
    assert.deepEqual(second.service.resumeUploads(), { resumed: 1, failed: 0 });
    await second.service.idle();
    const replica = second.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: snapshot.name, remoteId: 'offsite' });
    assert.equal(replica?.state, 'ready', replica?.error ?? '');
    assert.equal(second.operations.getOperation(pushed.operation.id)?.status, 'succeeded');
    assert.equal((await second.service.verify('web', snapshot.name, 'offsite')).ok, true);
    const uploads = await objects.client.send(new ListMultipartUploadsCommand({ Bucket: objects.bucket }));
    assert.deepEqual(uploads.Uploads ?? [], []);
  });
});
