/**
 * A create without quiesce starts from Docker's event-invalidated answer and asks Docker afresh while the
 * kernel call runs (snapshot-service.ts). These force the races the cache can lose, which a real Docker
 * cannot be made to hit on cue: the fresh answer names another container, the container is gone, or its
 * name or configuration changed. The store is the real SQLite store; Docker and storage are faked.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { ContainerResolver } from '../../src/core/container-resolver.js';
import { OperationTracker } from '../../src/core/events/operation-tracker.js';
import { trackedSnapshots } from '../../src/core/events/tracked-snapshots.js';
import type { LiveContainer } from '../../src/core/ports.js';
import { ServiceUnavailableError } from '../../src/errors/service-unavailable-error.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { createRestoreHarness, FakeDriver, FakeRuntime, rootfs, type RestoreHarness } from './support/restore-fakes.js';

/** Counts the kernel calls. */
class CountingDriver extends FakeDriver {
  createdCount = 0;
  override createSnapshot(dataset: string, name: string): Promise<{ dataset: string; name: string; createdAt: Date }> {
    this.createdCount += 1;
    return super.createSnapshot(dataset, name);
  }
}

/** Docker whose event-invalidated cache has not caught up yet: a cached lookup of `ref` answers `stale`. */
class LaggingRuntime extends FakeRuntime {
  readonly stale = new Map<string, LiveContainer>();
  freshLookups = 0;
  /** Docker failing a fresh lookup (it went away). */
  freshFails: Error | undefined;

  override resolveContainer(ref: string, options: { cached?: boolean } = {}): Promise<LiveContainer | undefined> {
    const stale = this.stale.get(ref);
    if (options.cached === true && stale !== undefined) return Promise.resolve(stale);
    if (options.cached !== true) {
      this.freshLookups += 1;
      if (this.freshFails !== undefined) return Promise.reject(this.freshFails);
    }
    return super.resolveContainer(ref);
  }
}

type Harness = RestoreHarness<LaggingRuntime, CountingDriver>;

const createHarness = (): Harness =>
  createRestoreHarness({ runtime: (events) => new LaggingRuntime(events), driver: (runtime, events) => new CountingDriver(runtime, events) });

const OLD_ID = 'a'.repeat(64);
const NEW_ID = 'b'.repeat(64);

/** `docker rename web web-old && docker run --name web ...`, and the event has not reached the cache yet. */
async function renameAndReplace(h: Harness): Promise<void> {
  h.runtime.add(OLD_ID, 'web', [rootfs('ds-old')]);
  const cached = (await h.runtime.resolveContainer('web')) ?? assert.fail('web exists');
  h.runtime.containers.delete(OLD_ID);
  h.runtime.add(OLD_ID, 'web-old', [rootfs('ds-old')]);
  h.runtime.add(NEW_ID, 'web', [rootfs('ds-new')]);
  h.runtime.stale.set('web', cached);
}

function snapshotsOf(h: Harness, containerId: string): { state: string; name: string }[] {
  return h.test.store.listAllSnapshots().filter((s) => s.containerId === containerId);
}

function createJournal(h: Harness): string[] {
  return h.test.db
    .prepare<[], { state: string }>("SELECT state FROM operations WHERE kind = 'create' ORDER BY id")
    .all()
    .map((row) => row.state);
}

describe('snapshot create started from the cached Docker lookup', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness();
    h.driver.addDataset('ds-old', 'old content');
    h.driver.addDataset('ds-new', 'new content');
  });
  afterEach(() => h.destroy());

  it('takes the snapshot of the container the name names now, and keeps nothing of the one it used to name', async () => {
    await renameAndReplace(h);

    const result = await h.service.create('web', {});

    assert.equal(result.container.id, NEW_ID);
    assert.equal(result.snapshot.state, 'ready');
    assert.deepEqual(result.snapshot.filesystems.map((f) => f.dataset), ['ds-new']);
    assert.deepEqual(snapshotsOf(h, OLD_ID), [], 'the renamed container got no snapshot record');
    assert.deepEqual([...h.driver.snapshots.keys()].filter((k) => k.startsWith('ds-old@')), [], 'and no storage snapshot');
    assert.deepEqual([...h.driver.snapshots.keys()].filter((k) => k.startsWith('ds-new@')).length, 1);
    assert.deepEqual(createJournal(h), ['failed', 'done'], 'the discarded attempt is journaled as failed');
  });

  it('records the tracked operation on the container the name names now', async () => {
    await renameAndReplace(h);
    const operations = new OperationStore(h.test.db, h.test.clock);
    const tracked = trackedSnapshots(h.service, {
      tracker: new OperationTracker(operations, pino({ level: 'silent' })),
      resolver: new ContainerResolver(h.runtime, h.test.store, h.test.clock),
      store: h.test.store,
    });

    const result = await tracked.create('web', {});

    const [operation] = operations.listOperations({ limit: 10, offset: 0 }).operations;
    assert.equal(operation?.status, 'succeeded');
    assert.equal(operation.containerId, NEW_ID, 'not the container the cached lookup knew');
    assert.equal(operation.snapshotName, result.snapshot.name);
  });

  it('answers 404 when the container was removed meanwhile, and keeps no record or storage', async () => {
    h.runtime.add(OLD_ID, 'web', [rootfs('ds-old')]);
    await h.service.create('web', {});
    const cached = (await h.runtime.resolveContainer('web')) ?? assert.fail('web exists');
    // docker rm -f web, and the event has not arrived yet.
    h.runtime.containers.delete(OLD_ID);
    h.runtime.stale.set('web', cached);
    const before = snapshotsOf(h, OLD_ID);

    await assert.rejects(h.service.create('web', {}), (error: Error & { code?: string; status?: number }) => {
      assert.equal(error.code, 'container_not_found');
      return true;
    });

    assert.deepEqual(snapshotsOf(h, OLD_ID), before, 'only the snapshot taken before the removal');
    assert.equal([...h.driver.snapshots.keys()].length, 1);
  });

  it('answers 503 when Docker fails the fresh lookup after the kernel call, and removes that snapshot', async () => {
    h.runtime.add(OLD_ID, 'web', [rootfs('ds-old')]);
    const cached = (await h.runtime.resolveContainer('web')) ?? assert.fail('web exists');
    h.runtime.stale.set('web', cached);
    h.runtime.freshFails = new ServiceUnavailableError('docker_unavailable', 'Docker is shutting down or restarting (fake).');

    await assert.rejects(h.service.create('web', {}), (error: Error & { code?: string }) => error.code === 'docker_unavailable');

    assert.equal(h.driver.createdCount, 1, 'the kernel call ran');
    assert.deepEqual(snapshotsOf(h, OLD_ID), []);
    assert.deepEqual([...h.driver.snapshots.keys()], []);
    assert.deepEqual(createJournal(h), ['failed']);
  });

  it('records the name and configuration Docker shows during the create, not the cached ones', async () => {
    h.runtime.add(OLD_ID, 'web', [rootfs('ds-old')]);
    const now = (await h.runtime.resolveContainer(OLD_ID)) ?? assert.fail('web exists');
    // The cache still has the container before `docker rename` and `docker update --restart`.
    h.runtime.stale.set(OLD_ID, { ...now, name: 'web-before-rename', config: { ...now.config, restartPolicy: { name: 'no', maximumRetryCount: 0 }, env: ['OLD=1'] } });

    const result = await h.service.create(OLD_ID, {});

    const stored = h.test.store.getSnapshot(result.snapshot.id) ?? assert.fail('recorded');
    assert.equal(stored.containerName, 'web');
    assert.deepEqual(stored.config, now.config, 'the fresh configuration, secrets decrypted back');
    assert.equal(result.container.name, 'web');
  });

  it('uses the cached answer when it is current: one fresh lookup per create, the record as Docker shows it', async () => {
    h.runtime.add(OLD_ID, 'web', [rootfs('ds-old')]);
    const now = (await h.runtime.resolveContainer('web')) ?? assert.fail('web exists');
    h.runtime.stale.set('web', now);
    const freshBefore = h.runtime.freshLookups;

    const result = await h.service.create('web', {});

    assert.equal(h.runtime.freshLookups - freshBefore, 1);
    const stored = h.test.store.getSnapshot(result.snapshot.id) ?? assert.fail('recorded');
    assert.deepEqual(stored.config, now.config);
    assert.equal(stored.state, 'ready');
  });
});
