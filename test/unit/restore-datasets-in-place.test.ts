/**
 * Issue #13 chaos finding: a restore answered 200 for a zfs dataset that was not mounted (the host path
 * showed the bare mountpoint folder). A restore whose captured dataset is gone or not mounted is refused,
 * 409 dataset_not_in_place, before anything is stopped or swapped. Forced with fakes (restore-fakes.ts);
 * the zfs driver's mount check on a real zfs-fuse pool is in test/storage-drivers/zfs-held-guards.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AppError } from '../../src/errors/app-error.js';
import { CONTAINER_ID } from '../store/store-fixture.js';
import { createRestoreHarness, poolMount, rootfs, type RestoreHarness } from './support/restore-fakes.js';

function notInPlace(mountPoint: string) {
  return (error: unknown): boolean =>
    error instanceof AppError && error.statusCode === 409 && error.code === 'dataset_not_in_place' && error.message.includes(mountPoint) && !error.message.includes('/pool/');
}

describe('a restore refuses datasets that are not in place', () => {
  let h: RestoreHarness;
  beforeEach(() => {
    h = createRestoreHarness();
    h.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web'), poolMount('/pool/data', '/data')]);
    h.driver.addDataset('/pool/web', 'root-v1');
    h.driver.addDataset('/pool/data', 'data-v1');
  });
  afterEach(() => h.destroy());

  it('refuses with 409 dataset_not_in_place when a captured dataset is not mounted, nothing stopped or swapped', async () => {
    const good = await h.service.create('web', { alias: 'good' });
    h.driver.content.set('/pool/web', 'root-v2');
    h.driver.content.set('/pool/data', 'data-v2');
    h.driver.unmounted.add('/pool/data');
    const before = h.events.length;
    await assert.rejects(h.service.restore('web', good.snapshot.name, {}), notInPlace('/data'));
    assert.deepEqual(h.events.slice(before), [], 'nothing stopped, nothing swapped');
    assert.equal(h.driver.content.get('/pool/web'), 'root-v2');
    assert.equal(h.driver.content.get('/pool/data'), 'data-v2');
    assert.equal(h.runtime.get(CONTAINER_ID).running, true);

    h.driver.unmounted.delete('/pool/data'); // mounted again (a restart's recovery): the restore works
    await h.service.restore('web', good.snapshot.name, {});
    assert.equal(h.driver.content.get('/pool/data'), 'data-v1');
  });

  it('refuses with 409 dataset_not_in_place when a captured dataset is gone', async () => {
    const good = await h.service.create('web', { alias: 'good' });
    h.driver.content.delete('/pool/data');
    await assert.rejects(h.service.restore('web', good.snapshot.name, {}), notInPlace('/data'));
    assert.equal(h.runtime.get(CONTAINER_ID).running, true);
  });
});
