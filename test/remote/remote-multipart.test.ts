import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListMultipartUploadsCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import { streamKey } from '../../src/remote/object-keys.js';
import { S3Remote } from '../../src/remote/s3-remote.js';
import { needs } from '../support/components.js';
import { createObjectStore, type TestObjectStore } from '../support/object-store.js';
import { remoteConfigFor } from '../support/remote-under-test.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('multipart uploads left by a crash (real RGW)', needs('rgw'), () => {
  let store: TestObjectStore;
  before(async () => {
    store = await createObjectStore();
  });
  after(() => store.destroy());

  async function openUploads(): Promise<{ key: string; uploadId: string }[]> {
    const listed = await store.client.send(new ListMultipartUploadsCommand({ Bucket: store.bucket }));
    return (listed.Uploads ?? []).map((u) => ({ key: u.Key ?? '', uploadId: u.UploadId ?? '' }));
  }

  it('abortIncompleteUploads removes the upload of a process killed mid-way, and only under its prefix', async () => {
    const config = remoteConfigFor(store, { partSizeMiB: 5, maxConcurrentUploads: 1 });
    const key = streamKey('eeee0001', 'crashed', 0);
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'support', 'upload-child.ts'), JSON.stringify(config), key, '400'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
    try {
      // Wait until the child has an open multipart upload with at least one part stored.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const [upload] = await openUploads();
        if (upload !== undefined) {
          const parts = await store.client.send(new ListPartsCommand({ Bucket: store.bucket, Key: upload.key, UploadId: upload.uploadId }));
          if ((parts.Parts?.length ?? 0) >= 1) break;
        }
        assert.equal(child.exitCode, null, `the uploader ended before it was killed: ${stderr}`);
        assert.ok(Date.now() < deadline, 'no multipart upload appeared');
        await sleep(200);
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    assert.deepEqual((await openUploads()).map((u) => u.key), [`cowsnap-test/${key}`], 'the crash left its upload open');

    const remote = new S3Remote(config);
    try {
      assert.equal(await remote.abortIncompleteUploads('eeee0002'), 0, 'another container: nothing to abort');
      assert.equal(await remote.abortIncompleteUploads('eeee0001', 'crashed'), 1);
      assert.deepEqual(await openUploads(), []);
      assert.equal(await remote.abortIncompleteUploads('eeee0001'), 0);
    } finally {
      remote.close();
    }
  });
});
