/**
 * Issue #13 defect 2: a restore that waited for the container's lock must decide whether to stop the
 * container from its state under the lock, not from what it saw before (a stop-quiesce snapshot in
 * flight makes a stopped container look stopped for good). Forced with fakes; see restore-fakes.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONTAINER_ID } from '../store/store-fixture.js';
import { createRestoreHarness, rootfs, settle, type RestoreHarness } from './support/restore-fakes.js';

describe('defect-2: restore reads the container state under the lock', () => {
  let h: RestoreHarness;
  before(() => {
    h = createRestoreHarness();
  });
  after(() => h.destroy());

  it('defect-2 a restore queued behind a stop-quiesce snapshot stops the restarted container before swapping', async () => {
    h.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web')]);
    h.driver.addDataset('/pool/web', 'v1');
    const good = await h.service.create('web', { alias: 'good' });
    h.driver.content.set('/pool/web', 'v2');

    let release: () => void = () => undefined;
    h.driver.createGate = new Promise((resolve) => {
      release = resolve;
    });
    const waiting = new Promise<void>((resolve) => {
      h.driver.onCreateWaiting = resolve;
    });
    const snapshot = h.service.create('web', { quiesce: 'stop' });
    await waiting; // the container is stopped for the snapshot now, and the snapshot holds the lock
    assert.equal(h.runtime.get(CONTAINER_ID).running, false);

    const restore = h.service.restore('web', good.snapshot.name, {});
    await settle(); // the restore has looked the container up and waits for the lock
    h.driver.createGate = undefined;
    release();
    await snapshot;
    const result = await restore;

    h.events.splice(0, h.events.indexOf('start web') + 1); // what the snapshot did
    assert.deepEqual(h.events, ['stop web', 'swap /pool/web', 'start web'], 'the restore stopped the container, swapped, started it');
    assert.equal(result.wasRunning, true);
    assert.equal(h.runtime.get(CONTAINER_ID).running, true);
    assert.equal(h.driver.content.get('/pool/web'), 'v1');
  });
});

describe('defect-2: a snapshot reads the container state under the lock', () => {
  let h: RestoreHarness;
  before(() => {
    h = createRestoreHarness();
  });
  after(() => h.destroy());

  it('defect-2 a pause-quiesce snapshot queued behind a restore pauses the container the restore started again', async () => {
    h.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web')]);
    h.driver.addDataset('/pool/web', 'v1');
    const good = await h.service.create('web', { alias: 'good' });

    let release: () => void = () => undefined;
    h.driver.swapGate = new Promise((resolve) => {
      release = resolve;
    });
    const waiting = new Promise<void>((resolve) => {
      h.driver.onSwapWaiting = resolve;
    });
    const restore = h.service.restore('web', good.snapshot.name, {});
    await waiting; // the restore has stopped the container and holds the lock
    const snapshot = h.service.create('web', { quiesce: 'pause' });
    await settle(); // the snapshot has looked the container up (stopped) and waits for the lock
    h.driver.swapGate = undefined;
    release();
    await restore;
    await snapshot;
    assert.deepEqual(h.events.slice(-4), ['swap /pool/web', 'start web', 'pause web', 'unpause web'], h.events.join(' | '));
  });
});
