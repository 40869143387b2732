/**
 * Issue #13 chaos findings on d8205f1 (seed 30, `--minutes 30`, and seed 1829715271):
 *  - `shared` (zfs, bind-mounted into c0–c2) stayed unmounted after start-up recovery: zfs-fuse refused to
 *    mount it, "busy", while the running containers' mount namespaces held its old mount. The driver now
 *    reports such a dataset `held`; the core stops the containers that bind-mount it, recovers again
 *    (which mounts it) and starts them again.
 *  - pool `tank` was marked unavailable after one failed storage command in its recovery, so every
 *    restore answered 503 for the rest of the run, and a record (#211) stayed `creating` for good (its
 *    clean-up waits for the pool). A recovery that throws now downs the pool only if its probe fails too.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CONTAINER_ID, OTHER_CONTAINER_ID } from '../store/store-fixture.js';
import { createRestoreHarness, poolMount, rootfs, snapshotThatDies, type RestoreHarness } from './support/restore-fakes.js';

const SHARED = '/pool/shared';

describe('start-up recovery of one pool', () => {
  let h: RestoreHarness | undefined;
  afterEach(() => h?.destroy());

  it('a dataset held by running containers: they are stopped, the pool recovered again, they are started again', async () => {
    const harness = createRestoreHarness();
    h = harness;
    harness.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web'), poolMount(SHARED, '/data')]);
    harness.runtime.add(OTHER_CONTAINER_ID, 'worker', [rootfs('/pool/worker'), poolMount(SHARED, '/srv')]);
    harness.runtime.add('c'.repeat(64), 'alone', [rootfs('/pool/alone'), poolMount('/pool/other', '/data')]);
    harness.driver.recoverAnswers.push(
      () => [{ dataset: SHARED, action: 'held', detail: 'not mounted: running containers still hold its old mount' }],
      () => [{ dataset: SHARED, action: 'finished', detail: 'mounted it again' }],
    );

    harness.driver.recoverHook = () => harness.events.push('recover');
    const report = await harness.recoverAtStartup();
    assert.equal(harness.driver.recoverCalls, 2);
    const order = harness.events.filter((event) => /^(stop|start|recover)/.test(event));
    assert.deepEqual(order, ['recover', 'stop web', 'stop worker', 'recover', 'start web', 'start worker']);
    assert.deepEqual(harness.runtime.usersOf(SHARED).sort(), ['web', 'worker'], 'both run again');
    assert.equal(harness.runtime.get('c'.repeat(64)).running, true);
    assert.deepEqual(report.storage.map((action) => action.action), ['finished']);
    assert.ok(report.operations.some((line) => line.includes('web') && line.includes('worker') && line.includes(SHARED)), report.operations.join('\n'));
  });

  it('the holders it stops are owed their start until they run again: a crash in between leaves the debt for the next start-up', async () => {
    const harness = createRestoreHarness();
    h = harness;
    harness.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web'), poolMount(SHARED, '/data')]);
    harness.runtime.add(OTHER_CONTAINER_ID, 'worker', [rootfs('/pool/worker'), poolMount(SHARED, '/srv')]);
    let owedDuringRemount: string[] = [];
    harness.driver.recoverAnswers.push(
      () => [{ dataset: SHARED, action: 'held', detail: 'not mounted: running containers still hold its old mount' }],
      () => {
        // Where a kill would land: both holders stopped, the dataset being mounted again.
        owedDuringRemount = harness.owedStarts.list().map((debt) => debt.containerId).sort();
        return [{ dataset: SHARED, action: 'finished', detail: 'mounted it again' }];
      },
    );
    await harness.recoverAtStartup();
    assert.deepEqual(owedDuringRemount, [CONTAINER_ID, OTHER_CONTAINER_ID].sort(), 'recorded before the remount');
    assert.deepEqual(harness.owedStarts.list(), [], 'settled once they run again');
    assert.deepEqual(harness.runtime.usersOf(SHARED).sort(), ['web', 'worker']);
  });

  it('a recovery that fails on one dataset keeps the pool available, and a half-made record is removed (#211)', async () => {
    const harness = createRestoreHarness();
    h = harness;
    harness.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web')]);
    harness.driver.addDataset('/pool/web', 'v1');
    await snapshotThatDies(harness, 'web');
    for (const entry of harness.test.store.listUnfinishedOperations()) harness.test.store.finishOperation(entry.id, 'failed', 'lost');
    harness.driver.createGate = undefined;
    harness.driver.recoverAnswers.push(() => {
      throw new Error("cannot mount 'tank/shared': mountpoint or dataset is busy");
    });

    const report = await harness.recoverAtStartup();
    assert.deepEqual(report.pools.map((pool) => [pool.id, pool.available]), [['main', true]]);
    assert.equal(harness.pools.isAvailable('main'), true);
    assert.deepEqual(harness.test.store.listAllSnapshots().map((s) => s.state), [], 'no record left creating');
    assert.ok(report.storage.some((action) => action.action === 'skipped'), JSON.stringify(report.storage));
  });

  it('a recovery that fails on a pool that fails its probe too makes that pool unavailable', async () => {
    const harness = createRestoreHarness();
    h = harness;
    harness.driver.probeFails = true;
    harness.driver.recoverAnswers.push(() => {
      throw new Error('zfs: pool gone');
    });
    const report = await harness.recoverAtStartup();
    assert.deepEqual(report.pools.map((pool) => [pool.id, pool.available]), [['main', false]]);
  });
});
