/**
 * Issue #13 defect 3: one pool dataset bind-mounted into several containers. A restore must not swap it
 * under another running container (409 naming it, or stop it too when asked), and two restores of it
 * from two containers must not run at once. Forced with fakes; the real proof is
 * test/e2e/shared-dataset-restore.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { CONTAINER_ID, OTHER_CONTAINER_ID } from '../store/store-fixture.js';
import { createRestoreHarness, poolMount, rootfs, settle, type RestoreHarness } from './support/restore-fakes.js';

const SHARED = '/pool/shared';

describe('defect-3: restoring a dataset that several containers mount', () => {
  let h: RestoreHarness | undefined;
  afterEach(() => h?.destroy());

  /** web and worker both mount SHARED; web has a snapshot "good" of it. */
  async function twoContainers(options: { lockWaitMs?: number } = {}): Promise<{ harness: RestoreHarness; good: string }> {
    const harness = createRestoreHarness(options);
    h = harness;
    harness.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web'), poolMount(SHARED, '/data')]);
    harness.runtime.add(OTHER_CONTAINER_ID, 'worker', [rootfs('/pool/worker'), poolMount(SHARED, '/srv')]);
    harness.driver.addDataset('/pool/web', 'web-v1');
    harness.driver.addDataset('/pool/worker', 'worker-v1');
    harness.driver.addDataset(SHARED, 'shared-v1');
    const good = await harness.service.create('web', { alias: 'good' });
    harness.driver.content.set(SHARED, 'shared-v2');
    harness.events.length = 0;
    return { harness, good: good.snapshot.name };
  }

  it('defect-3 refuses with 409 dataset_in_use naming the running container that shares the dataset; nothing changes', async () => {
    const { harness, good } = await twoContainers();
    await assert.rejects(harness.service.restore('web', good, {}), (error: Error & { code?: string; statusCode?: number }) => {
      assert.equal(error.statusCode, 409);
      assert.equal(error.code, 'dataset_in_use');
      assert.match(error.message, /worker \(shares \/data\)/);
      assert.match(error.message, /stop_sharing_containers/);
      assert.doesNotMatch(error.message, /\/pool\//, 'no host path');
      return true;
    });
    assert.deepEqual(harness.events, [], 'nothing stopped, nothing swapped');
    assert.equal(harness.driver.content.get(SHARED), 'shared-v2');
    assert.equal(harness.runtime.get(OTHER_CONTAINER_ID).running, true);
  });

  it('defect-3 with stopSharingContainers stops the sharing container for the swap and starts it again', async () => {
    const { harness, good } = await twoContainers();
    const result = await harness.service.restore('web', good, { stopSharingContainers: true });
    assert.deepEqual(harness.events, ['stop web', 'stop worker', 'swap /pool/web', `swap ${SHARED}`, 'start web', 'start worker']);
    assert.deepEqual(result.stoppedSharingContainers, ['worker']);
    assert.equal(harness.driver.content.get(SHARED), 'shared-v1');
    assert.equal(harness.runtime.get(OTHER_CONTAINER_ID).running, true);
  });

  it('defect-3 a stopped sibling does not block the restore', async () => {
    const { harness, good } = await twoContainers();
    harness.runtime.get(OTHER_CONTAINER_ID).running = false;
    await harness.service.restore('web', good, {});
    assert.deepEqual(harness.events, ['stop web', 'swap /pool/web', `swap ${SHARED}`, 'start web']);
  });

  it('defect-3 a second restore of the same dataset from another container waits and then gets 409 dataset_busy', async () => {
    const { harness, good } = await twoContainers({ lockWaitMs: 50 });
    harness.runtime.get(OTHER_CONTAINER_ID).running = false;
    const workerGood = await harness.service.create('worker', { alias: 'good' });
    harness.events.length = 0;
    let release: () => void = () => undefined;
    harness.driver.swapGate = new Promise((resolve) => {
      release = resolve;
    });
    const swapping = new Promise<void>((resolve) => {
      harness.driver.onSwapWaiting = resolve;
    });
    const first = harness.service.restore('web', good, {});
    await swapping;
    await assert.rejects(harness.service.restore('worker', workerGood.snapshot.name, {}), { code: 'dataset_busy' });
    harness.driver.swapGate = undefined;
    release();
    await first;
    assert.deepEqual(harness.events, ['stop web', 'swap /pool/web', `swap ${SHARED}`, 'start web'], 'only the first restore touched anything');
  });

  it('defect-3 start-up recovery stops and starts again the sharing containers of a killed restore', async () => {
    const { harness, good } = await twoContainers();
    harness.driver.freeze = { swap: 1, when: 'before' };
    void harness.service.restore('web', good, { stopSharingContainers: true });
    await settle();
    harness.driver.freeze = undefined;
    harness.runtime.get(OTHER_CONTAINER_ID).running = true; // Docker's restart policy at boot
    harness.events.length = 0;
    await harness.recoverAtStartup();
    assert.deepEqual(harness.events, ['stop worker', 'swap /pool/web', `swap ${SHARED}`, 'start web', 'start worker']);
    assert.equal(harness.runtime.get(OTHER_CONTAINER_ID).running, true);
  });
});
