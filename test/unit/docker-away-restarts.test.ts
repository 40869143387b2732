/**
 * Issue #13, the chaos run's dockerd restart (seed 30): a restore answered 500 docker_failed and left its
 * container exited. Docker going away mid-operation is a 503, changes nothing, and never leaves a
 * container cowsnap stopped stopped for ever: the start is owed and made once Docker answers again.
 * Forced with fakes (restore-fakes.ts); the real-dockerd restart is test/e2e/docker-restart-owed-start.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { AppError } from '../../src/errors/app-error.js';
import { CONTAINER_ID } from '../store/store-fixture.js';
import { createRestoreHarness, rootfs, SlowStopRuntime, type RestoreHarness } from './support/restore-fakes.js';

async function until(check: () => boolean, what: string, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function isDockerUnavailable(error: unknown): boolean {
  return error instanceof AppError && error.statusCode === 503 && error.code === 'docker_unavailable';
}

describe('Docker going away in the middle of a restore or a quiesce', () => {
  let h: RestoreHarness;
  beforeEach(() => {
    h = createRestoreHarness();
    h.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web')]);
    h.driver.addDataset('/pool/web', 'v1');
  });
  afterEach(() => h.destroy());

  it('a restore whose container Docker cannot start again answers 503, puts the old content back, and the container runs again once Docker is back', async () => {
    const good = await h.service.create('web', { alias: 'good' });
    h.driver.content.set('/pool/web', 'v2');
    h.runtime.afterStop = () => {
      h.runtime.away = true; // dockerd shuts down right after the restore stopped the container
    };
    await assert.rejects(h.service.restore('web', good.snapshot.name, {}), isDockerUnavailable);
    assert.equal(h.driver.content.get('/pool/web'), 'v2', 'a refused restore changed nothing');
    assert.equal(h.runtime.get(CONTAINER_ID).running, false);
    assert.deepEqual(h.owedStarts.list().map((owed) => owed.containerId), [CONTAINER_ID]);
    assert.equal([...h.driver.snapshots.keys()].filter((key) => key.includes('pre-restore')).length, 0, 'no rollback snapshot left');

    h.runtime.afterStop = undefined;
    h.runtime.away = false; // dockerd is back
    await until(() => h.runtime.get(CONTAINER_ID).running, 'the owed start');
    await until(() => h.owedStarts.list().length === 0, 'the debt to be settled');
    // The journal row is finished (start-up has nothing to resume) and a retried restore works.
    assert.equal(h.test.store.listUnfinishedOperations().length, 0);
    await h.service.restore('web', good.snapshot.name, {});
    assert.equal(h.driver.content.get('/pool/web'), 'v1');
  });

  it('a stop-quiesce snapshot during which Docker goes away answers 503 and its container runs again once Docker is back', async () => {
    h.driver.createGate = Promise.resolve();
    h.driver.onCreateWaiting = () => {
      h.runtime.away = true;
    };
    await assert.rejects(h.service.create('web', { quiesce: 'stop' }), isDockerUnavailable);
    h.driver.onCreateWaiting = undefined;
    assert.equal(h.runtime.get(CONTAINER_ID).running, false);
    h.runtime.away = false;
    await until(() => h.runtime.get(CONTAINER_ID).running, 'the owed start');
  });

  it('an owed start recorded before a crash is made by start-up recovery', async () => {
    h.restarter.close(); // the process that owed it is gone
    await h.runtime.stop(CONTAINER_ID);
    h.owedStarts.owe(CONTAINER_ID, 'the restore of web to snap-x');
    const report = await h.recoverAtStartup();
    assert.equal(h.runtime.get(CONTAINER_ID).running, true);
    assert.equal(h.owedStarts.list().length, 0);
    assert.ok(report.operations.some((line) => line.includes('started') && line.includes(CONTAINER_ID.slice(0, 12))), report.operations.join(' | '));
  });

  it('an owed start whose stop was still under way in Docker when the process died: the container runs after start-up', async () => {
    const slow = createRestoreHarness({ runtime: (events) => new SlowStopRuntime(events) });
    try {
      slow.restarter.close();
      slow.runtime.add(CONTAINER_ID, 'web', [rootfs('/pool/web')]);
      slow.driver.addDataset('/pool/web', 'v1');
      // Start-up recovery owes the start, asks Docker to stop the container, and dies before Docker saw it exit.
      slow.owedStarts.owe(CONTAINER_ID, 'start-up recovery mounting /pool/web again');
      slow.runtime.dieDuringStop = true;
      void slow.runtime.stop(CONTAINER_ID);
      assert.equal(slow.runtime.get(CONTAINER_ID).running, true);

      const report = await slow.recoverAtStartup();

      assert.equal(slow.runtime.get(CONTAINER_ID).running, true, report.operations.join(' | '));
      assert.equal(slow.owedStarts.list().length, 0);
    } finally {
      await slow.destroy();
    }
  });

  it('an owed start of a container started again since (restart policy, an operator) is settled without restarting it', async () => {
    h.restarter.close();
    await h.runtime.stop(CONTAINER_ID);
    h.owedStarts.owe(CONTAINER_ID, 'the restore of web to snap-x');
    const since = h.owedStarts.list()[0]?.since ?? assert.fail('owed');
    await h.runtime.start(CONTAINER_ID);
    h.runtime.get(CONTAINER_ID).startedAt = new Date(since.getTime() + 5_000);
    h.events.length = 0;

    await h.recoverAtStartup();

    assert.deepEqual(h.events.filter((event) => event.startsWith('stop') || event.startsWith('start')), [], 'neither stopped nor started again');
    assert.equal(h.runtime.get(CONTAINER_ID).running, true);
    assert.equal(h.owedStarts.list().length, 0);
  });
});
