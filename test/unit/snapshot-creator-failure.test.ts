/**
 * A snapshot whose creation fails midway stays listed as `failed` with a client-readable reason (real
 * SQLite store; the storage driver is faked because the point is a failure on the second filesystem).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CommandFailedError } from '../../storage-drivers/common/errors.js';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { DatasetLocks } from '../../src/core/dataset-locks.js';
import { PoolRegistry } from '../../src/core/pool-registry.js';
import { SnapshotCreator } from '../../src/core/snapshot-creator.js';
import type { LiveContainer } from '../../src/core/ports.js';
import { CONTAINER_ID, createTestStore, newSnapshot, sampleConfig, withContainer } from '../store/store-fixture.js';

const DAY = 86_400_000;

describe('snapshot creation that fails midway', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('defect-10 leaves a `failed` record with the reason (no stderr), frees the alias, expires by the retention age, cleans storage', async () => {
    withContainer(test);
    const made: string[] = [];
    const destroyed: string[] = [];
    const driver = {
      createSnapshot: (dataset: string, name: string): Promise<void> => {
        if (dataset.startsWith('tank/')) {
          return Promise.reject(new CommandFailedError('zfs', ['snapshot', `${dataset}@${name}`], 1, 'cannot create snapshot: out of space on /dev/sdz'));
        }
        made.push(`${dataset}@${name}`);
        return Promise.resolve();
      },
      destroySnapshot: (dataset: string, name: string): Promise<void> => {
        destroyed.push(`${dataset}@${name}`);
        return Promise.resolve();
      },
    } as unknown as StorageDriver;
    const filesystems = newSnapshot().filesystems;
    const live: LiveContainer = { id: CONTAINER_ID, name: 'web', image: 'busybox', state: { status: 'running', running: true, paused: false }, config: sampleConfig() };
    const creator = new SnapshotCreator({
      store: test.store,
      runtime: { pause: () => Promise.resolve(), unpause: () => Promise.resolve(), stop: () => Promise.resolve(), start: () => Promise.resolve(), inspect: () => Promise.resolve(live) },
      datasetLocks: new DatasetLocks(0),
      capture: { captureSet: () => Promise.resolve(filesystems.map((fs) => ({ role: fs.role, mountPoint: fs.mountPoint, source: null, captured: true, reason: null, filesystem: fs }))) },
      pools: new PoolRegistry([{ id: 'main', driver }, { id: 'tank', driver }]),
      clock: test.clock,
      failedRetentionDays: 7,
    });
    const record = test.store.getContainer(CONTAINER_ID) ?? assert.fail('container recorded');

    await assert.rejects(creator.create({ record, live }, { alias: 'before-deploy', expiryDays: 365, origin: 'api' }));

    const [failed] = test.store.listAllSnapshots();
    assert.ok(failed, 'the record stays');
    assert.equal(failed.state, 'failed');
    assert.equal(failed.alias, null, 'the alias is free for a retry');
    assert.match(failed.error ?? '', /^creation failed: .*\(storage_failed\)$/);
    assert.doesNotMatch(failed.error ?? '', /sdz|zfs snapshot|out of space/);
    assert.equal(failed.expiresAt?.getTime(), test.clock.now().getTime() + 7 * DAY, 'expires by the retention age, not in 365 days');
    assert.deepEqual(destroyed, made, 'what was made is removed');
    assert.equal(test.store.listUnfinishedOperations().length, 0);

    // A retry with the same alias is not refused because of the failed attempt.
    const retry = test.store.reserveSnapshot(newSnapshot({ alias: 'before-deploy', createdAt: new Date(test.clock.now().getTime() + 1000) }));
    assert.equal(retry.alias, 'before-deploy');
  });
});
