/**
 * Issue #13 defect 8: a crash while a container is paused or stopped for a snapshot must not leave it so:
 * start-up recovery thaws it. The snapshot "dies" here by never finishing; the real-process proof with
 * SIGKILL is test/e2e/quiesce-crash.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CONTAINER_ID } from '../store/store-fixture.js';
import { createRestoreHarness, rootfs, settle, snapshotThatDies, SlowStopRuntime, type RestoreHarness } from './support/restore-fakes.js';


describe('defect-8: start-up recovery thaws a container a killed snapshot had quiesced', () => {
  let h: RestoreHarness | undefined;
  afterEach(() => h?.destroy());

  for (const quiesce of ['pause', 'stop'] as const) {
    it(`defect-8 quiesce "${quiesce}": the container runs again after the restart, the half-made snapshot is gone`, async () => {
      const harness = createRestoreHarness();
      h = harness;
      harness.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web')]);
      harness.driver.addDataset('/pool/web', 'v1');
      await snapshotThatDies(harness, 'web', { quiesce });
      const frozen = harness.runtime.get(CONTAINER_ID);
      assert.equal(quiesce === 'pause' ? frozen.paused : !frozen.running, true, 'quiesced when the process died');

      harness.driver.createGate = undefined;
      const report = await harness.recoverAtStartup();
      const container = harness.runtime.get(CONTAINER_ID);
      assert.equal(container.running, true, report.operations.join('\n'));
      assert.equal(container.paused, false);
      assert.equal(harness.test.store.countSnapshots(CONTAINER_ID), 0);
      assert.deepEqual(harness.test.store.listUnfinishedOperations(), []);
    });
  }

  it('a container the killed process was still stopping (Docker had not yet seen it exit) runs after the restart', async () => {
    const harness = createRestoreHarness({ runtime: (events) => new SlowStopRuntime(events) });
    h = harness;
    harness.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web')]);
    harness.driver.addDataset('/pool/web', 'v1');
    harness.runtime.dieDuringStop = true;
    void harness.service.create('web', { quiesce: 'stop' });
    await settle();
    assert.equal(harness.runtime.stopping.has(CONTAINER_ID), true, 'the process died while Docker was stopping the container');
    assert.equal(harness.runtime.get(CONTAINER_ID).running, true, 'which still ran');

    const report = await harness.recoverAtStartup();

    assert.equal(harness.runtime.get(CONTAINER_ID).running, true, report.operations.join('\n'));
    assert.equal(harness.test.store.countSnapshots(CONTAINER_ID), 0);
    assert.deepEqual(harness.test.store.listUnfinishedOperations(), []);
  });

  it('a container started again since the interrupted stop (restart policy, an operator, an earlier start-up) is left running, not restarted', async () => {
    const harness = createRestoreHarness();
    h = harness;
    harness.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web')]);
    harness.driver.addDataset('/pool/web', 'v1');
    await snapshotThatDies(harness, 'web', { quiesce: 'stop' });
    const stoppedAt = harness.test.store.listUnfinishedOperations()[0]?.updatedAt ?? assert.fail('journaled');
    assert.equal(harness.runtime.get(CONTAINER_ID).running, false, 'stopped when the process died');
    // Docker's restart policy starts it before cowsnap is back.
    await harness.runtime.start(CONTAINER_ID);
    harness.runtime.get(CONTAINER_ID).startedAt = new Date(stoppedAt.getTime() + 3_000);
    harness.events.length = 0;

    harness.driver.createGate = undefined;
    const report = await harness.recoverAtStartup();

    assert.deepEqual(harness.events.filter((event) => /^(stop|start) /.test(event)), [], report.operations.join('\n'));
    assert.equal(harness.runtime.get(CONTAINER_ID).running, true);
    assert.match(report.operations.join('\n'), /was started again since: left as it is/);
    assert.deepEqual(harness.test.store.listUnfinishedOperations(), []);
  });
});
