/**
 * Issue #13, chaos finding 3 (seeds 8 and 31): a snapshot record left `creating` for good. The process
 * died after the record was reserved but with no unfinished journal entry for it (the two are separate
 * writes), so start-up recovery, which followed the journal only, never removed it.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CONTAINER_ID } from '../store/store-fixture.js';
import { createRestoreHarness, rootfs, snapshotThatDies, type RestoreHarness } from './support/restore-fakes.js';

describe('start-up recovery removes a half-made record the journal does not know', () => {
  let h: RestoreHarness | undefined;
  afterEach(() => h?.destroy());

  it('a `creating` record without an unfinished journal entry is gone after the restart, with its storage', async () => {
    const harness = createRestoreHarness();
    h = harness;
    harness.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web')]);
    harness.driver.addDataset('/pool/web', 'v1');
    const kept = await harness.service.create('web', {});
    await snapshotThatDies(harness, 'web');
    // What the kill left: the record reserved, no journal entry still running for it, some storage.
    for (const entry of harness.test.store.listUnfinishedOperations()) harness.test.store.finishOperation(entry.id, 'failed', 'lost');
    const halfMade = harness.test.store.listAllSnapshots().find((s) => s.state === 'creating');
    assert.ok(halfMade !== undefined);
    harness.driver.snapshots.set(`/pool/web@${halfMade.name}.cs${String(halfMade.id)}`, 'v1');
    harness.driver.createGate = undefined;

    const report = await harness.recoverAtStartup();
    const left = harness.test.store.listAllSnapshots();
    assert.deepEqual(left.map((s) => [s.name, s.state]), [[kept.snapshot.name, 'ready']], report.operations.join('\n'));
    assert.equal([...harness.driver.snapshots.keys()].some((key) => key.includes(halfMade.name)), false, 'its storage is gone too');
    assert.ok(report.operations.some((line) => line.includes(halfMade.name)), report.operations.join('\n'));
  });
});
