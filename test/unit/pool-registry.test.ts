/** Pools that are down: 503 naming them, nothing changed, and picked up again by refresh(). */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { PoolRegistry } from '../../src/core/pool-registry.js';
import { SnapshotDeleter } from '../../src/core/snapshot-deleter.js';
import { ServiceUnavailableError } from '../../src/errors/service-unavailable-error.js';
import { createTestStore, newSnapshot, withContainer } from '../store/store-fixture.js';

function driver(options: { probeFails?: () => boolean; calls?: string[] } = {}): StorageDriver {
  const calls = options.calls ?? [];
  return {
    probe: () => {
      calls.push('probe');
      return options.probeFails?.() === true ? Promise.reject(new Error('cannot open /dev/sdz: no such device')) : Promise.resolve({});
    },
    recover: () => {
      calls.push('recover');
      return Promise.resolve([]);
    },
    destroySnapshot: () => {
      calls.push('destroy');
      return Promise.resolve();
    },
  } as unknown as StorageDriver;
}

describe('defect-12 pool registry with a pool that is down', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('defect-12 a failing probe makes the pool unavailable, not the registry; driverFor answers 503 naming it (no host detail)', async () => {
    const registry = await PoolRegistry.probe([
      { id: 'main', driver: driver() },
      { id: 'tank', driver: driver({ probeFails: () => true }) },
    ]);
    assert.deepEqual(registry.pools.map((p) => p.id), ['main']);
    assert.throws(() => registry.driverFor({ pool: 'tank' }), (error: unknown) => {
      assert.ok(error instanceof ServiceUnavailableError);
      assert.equal(error.code, 'pool_unavailable');
      assert.match(error.message, /Pool "tank" is unavailable/);
      assert.doesNotMatch(error.message, /sdz/);
      return true;
    });
    assert.throws(() => registry.driverFor({ pool: 'gone' }), /Pool "gone" is not configured/);
  });

  it('defect-12 deleting a snapshot on a pool that is down is 503 with nothing changed', async () => {
    const registry = await PoolRegistry.probe([{ id: 'main', driver: driver() }, { id: 'tank', driver: driver({ probeFails: () => true }) }]);
    const store = withContainer(test);
    const s = store.reserveSnapshot(newSnapshot({ alias: 'keep-me' }));
    store.markSnapshotReady(s.id, { sizeBytes: 1, filesystems: s.filesystems });
    await assert.rejects(new SnapshotDeleter(store, registry).delete(store.getSnapshot(s.id) ?? assert.fail()), { code: 'pool_unavailable' });
    const after = store.getSnapshot(s.id);
    assert.deepEqual([after?.state, after?.alias, after?.error], ['ready', 'keep-me', null]);
    assert.equal(store.listUnfinishedOperations().length, 0);
  });

  it('defect-12 refresh() brings a pool back once its probe passes, after its driver recovery ran', async () => {
    let down = true;
    const calls: string[] = [];
    const registry = await PoolRegistry.probe([{ id: 'tank', driver: driver({ probeFails: () => down, calls }) }]);
    assert.deepEqual(await registry.refresh(), []);
    assert.equal(registry.isAvailable('tank'), false);
    down = false;
    assert.deepEqual(await registry.refresh(), ['tank']);
    assert.equal(registry.isAvailable('tank'), true);
    assert.deepEqual(calls.slice(-2), ['probe', 'recover']);
  });

  it('a registry made with onProbeFailed hears its later failures: a pool marked down, then a refresh that still fails', async () => {
    let down = true;
    const heard: string[] = [];
    const registry = new PoolRegistry([{ id: 'tank', driver: driver({ probeFails: () => down }) }], {
      onProbeFailed: (pool, error) => heard.push(`${pool.id}: ${error instanceof Error ? error.message : String(error)}`),
    });
    registry.markUnavailable('tank', new ServiceUnavailableError('pool_unavailable', 'recovery could not finish'));
    assert.deepEqual(heard, ['tank: recovery could not finish']);
    assert.deepEqual(await registry.refresh(), []);
    assert.deepEqual(heard.slice(1), ['tank: cannot open /dev/sdz: no such device'], 'a new reason is heard once');
    down = false;
    assert.deepEqual(await registry.refresh(), ['tank']);
  });
});
