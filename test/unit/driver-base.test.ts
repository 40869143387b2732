/**
 * The driver base (storage-drivers/driver-base.ts): a driver that implements only the abstract methods
 * answers "not supported" for the rest, and the core asks the capabilities before it starts: a restore
 * on a pool whose driver cannot restore is refused (409) before the container is stopped.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { UnsupportedError } from '../../storage-drivers/common/errors.js';
import { DriverBase, NO_CAPABILITIES, UNKNOWN_USAGE } from '../../storage-drivers/driver-base.js';
import type { DriverInfo, PoolSpace, SnapshotInfo } from '../../storage-drivers/driver.js';
import { AppError } from '../../src/errors/app-error.js';
import { CONTAINER_ID } from '../store/store-fixture.js';
import { createRestoreHarness, rootfs, type RestoreHarness } from './support/restore-fakes.js';

/** The least a driver can be: datasets and snapshots, nothing else. */
class MinimalDriver extends DriverBase {
  private readonly described: DriverInfo = { name: 'btrfs', version: 'minimal', pool: '/pool', capabilities: NO_CAPABILITIES };
  probe(): Promise<DriverInfo> {
    return Promise.resolve(this.described);
  }
  info(): DriverInfo {
    return this.described;
  }
  createDataset(): Promise<void> {
    return Promise.resolve();
  }
  destroyDataset(): Promise<void> {
    return Promise.resolve();
  }
  datasetExists(): Promise<boolean> {
    return Promise.resolve(true);
  }
  listDatasets(): Promise<string[]> {
    return Promise.resolve([]);
  }
  mountPath(dataset: string): Promise<string> {
    return Promise.resolve(dataset);
  }
  childDataset(name: string): string {
    return `/pool/${name}`;
  }
  datasetForPath(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
  createSnapshot(dataset: string, name: string): Promise<SnapshotInfo> {
    return Promise.resolve({ dataset, name, createdAt: new Date(0) });
  }
  listSnapshots(): Promise<SnapshotInfo[]> {
    return Promise.resolve([]);
  }
  snapshotExists(): Promise<boolean> {
    return Promise.resolve(true);
  }
  destroySnapshot(): Promise<void> {
    return Promise.resolve();
  }
  cloneSnapshot(): Promise<void> {
    return Promise.resolve();
  }
  poolSpace(): Promise<PoolSpace> {
    return Promise.resolve({ totalBytes: 1, usedBytes: 0, freeBytes: 1 });
  }
}

describe('a driver that implements only what it must', () => {
  const driver = new MinimalDriver();

  it('answers "not supported" for restore, diff and replication, and unknown sizes', async () => {
    await assert.rejects(driver.restoreSnapshot('/pool/a', 's1'), UnsupportedError);
    await assert.rejects(driver.datasetIdentity('/pool/a'), UnsupportedError);
    await assert.rejects(driver.diff('/pool/a', 's1'), UnsupportedError);
    await assert.rejects(driver.send('/pool/a', 's1'), UnsupportedError);
    await assert.rejects(driver.snapshotIdentity('/pool/a', 's1'), UnsupportedError);
    const stream = new PassThrough();
    await assert.rejects(driver.receive(stream, { dataset: '/pool/a', snapshot: 's1' }), UnsupportedError);
    assert.equal(stream.destroyed, true, 'the stream it will not read is closed');
    assert.deepEqual(await driver.snapshotUsage('/pool/a', 's1'), UNKNOWN_USAGE);
    assert.deepEqual(await driver.datasetUsage('/pool/a'), UNKNOWN_USAGE);
    assert.deepEqual(await driver.recover(), []);
  });

  it('says so in its capabilities', () => {
    const { capabilities } = driver.info();
    assert.equal(capabilities.restoreAnySnapshot, false);
    assert.equal(capabilities.diff, 'none');
    assert.equal(capabilities.send, false);
    assert.equal(capabilities.usageAccounting, false);
  });
});

describe('restore asks the capability before it starts', () => {
  let h: RestoreHarness;
  before(() => {
    h = createRestoreHarness();
  });
  after(() => h.destroy());

  it('refuses with 409 restore_unsupported, naming the mount point, and leaves the container running', async () => {
    h.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web')]);
    h.driver.addDataset('/pool/web', 'v1');
    const good = await h.service.create('web', { alias: 'good' });
    h.driver.content.set('/pool/web', 'v2');
    h.driver.capabilities = { ...h.driver.capabilities, restoreAnySnapshot: false };
    h.events.length = 0;

    await assert.rejects(h.service.restore('web', good.snapshot.name, {}), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.statusCode, 409);
      assert.equal(error.code, 'restore_unsupported');
      assert.match(error.message, /\//, 'names the mount point');
      return true;
    });
    assert.deepEqual(h.events, [], 'nothing stopped, nothing swapped');
    assert.equal(h.runtime.get(CONTAINER_ID).running, true);
    assert.equal(h.driver.content.get('/pool/web'), 'v2');
  });
});
