import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { needs, programVersion } from '../support/components.js';
import { createObjectStore, type TestObjectStore } from '../support/object-store.js';

describe(`smoke: real S3 (Ceph RGW, ${programVersion('radosgw', ['--version'])})`, needs('rgw'), () => {
  let store: TestObjectStore;
  before(async () => {
    store = await createObjectStore();
  });
  after(() => store.destroy());

  it('stores, lists and returns an object in the test bucket', async () => {
    await store.client.send(new PutObjectCommand({ Bucket: store.bucket, Key: 'smoke/hello.txt', Body: 'hello rgw' }));
    const listed = await store.client.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: 'smoke/' }));
    assert.deepEqual(listed.Contents?.map((object) => object.Key), ['smoke/hello.txt']);
    const got = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: 'smoke/hello.txt' }));
    assert.equal(await got.Body?.transformToString(), 'hello rgw');
  });

  it('refuses a wrong secret key', async () => {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const stranger = new S3Client({
      endpoint: store.endpoint,
      region: store.region,
      forcePathStyle: true,
      credentials: { accessKeyId: store.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    await assert.rejects(stranger.send(new ListObjectsV2Command({ Bucket: store.bucket })), { name: 'SignatureDoesNotMatch' });
    stranger.destroy();
  });
});
