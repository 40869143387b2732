/**
 * Issue #13, chaos finding 4: start-up compared records and storage with one storage look-up per snapshot
 * (on zfs three commands each), so every restart got slower with every snapshot kept. One listing per
 * dataset now, and the mismatches found are the same.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CONTAINER_ID } from '../store/store-fixture.js';
import { createRestoreHarness, poolMount, rootfs, type RestoreHarness } from './support/restore-fakes.js';

describe('start-up reconciliation of records and storage', () => {
  let h: RestoreHarness | undefined;
  afterEach(() => h?.destroy());

  it('lists each dataset once however many snapshots it has, and still reports both kinds of mismatch', async () => {
    const harness = createRestoreHarness();
    h = harness;
    harness.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web'), poolMount('/pool/vol')]);
    harness.driver.addDataset('/pool/web', 'v1');
    harness.driver.addDataset('/pool/vol', 'v1');
    const made: string[] = [];
    for (let i = 0; i < 30; i += 1) made.push((await harness.service.create('web', {})).snapshot.name);
    // One record loses its storage on one filesystem; one storage snapshot has no record.
    const lost = [...harness.driver.snapshots.keys()].find((key) => key.startsWith('/pool/vol@') && key.includes(String(made[3])));
    assert.ok(lost !== undefined);
    harness.driver.snapshots.delete(lost);
    harness.driver.snapshots.set('/pool/web@snap-orphan.cs9999', 'v0');
    harness.driver.lookups.snapshotExists = 0;
    harness.driver.lookups.listSnapshots = 0;

    const report = await harness.recoverAtStartup();
    assert.deepEqual(report.recordsWithoutStorage, [{ container: 'web', snapshot: made[3], dataset: '/pool/vol' }]);
    assert.deepEqual(report.storageWithoutRecord, [{ pool: 'main', dataset: '/pool/web', snapshot: 'snap-orphan.cs9999' }]);
    assert.deepEqual(harness.driver.lookups, { snapshotExists: 0, listSnapshots: 2 });
  });

  it('never builds every record as a full record (issue #17: twice per start-up, ~0.2 s each at 10,000)', async () => {
    const harness = createRestoreHarness();
    h = harness;
    harness.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web')]);
    harness.driver.addDataset('/pool/web', 'v1');
    for (let i = 0; i < 5; i += 1) await harness.service.create('web', {});
    const store = harness.test.store;
    let fullReads = 0;
    const listAll = store.listAllSnapshots.bind(store);
    store.listAllSnapshots = () => {
      fullReads += 1;
      return listAll();
    };
    const report = await harness.recoverAtStartup();
    assert.deepEqual([report.recordsWithoutStorage, report.storageWithoutRecord], [[], []]);
    assert.equal(fullReads, 0);
  });
});
