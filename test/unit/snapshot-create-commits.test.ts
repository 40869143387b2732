/**
 * A snapshot create makes one fsync'd commit: the record turning `ready` (before the API answers). The
 * reservation and its journal entry (before any storage exists) and the journal's `done` after it commit
 * with synchronous = NORMAL (real SQLite store; the storage driver is faked, it records the setting each
 * store write ran under).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { DatasetLocks } from '../../src/core/dataset-locks.js';
import { PoolRegistry } from '../../src/core/pool-registry.js';
import { SnapshotCreator } from '../../src/core/snapshot-creator.js';
import type { LiveContainer, StorePort } from '../../src/core/ports.js';
import { commitsWithoutFsync } from '../../src/store/commits-without-fsync.js';
import { CONTAINER_ID, createTestStore, newSnapshot, sampleConfig, withContainer } from '../store/store-fixture.js';

const FULL = 2;
const NORMAL = 1;

describe('snapshot create: which commits are fsynced', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('commits only the ready record with FULL; everything else of the create with NORMAL; FULL again afterwards, also after a throw', async () => {
    withContainer(test);
    const synchronous = (): unknown => test.db.pragma('synchronous', { simple: true });
    const seen: string[] = [];
    const store = new Proxy(test.store, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || !['reserveSnapshot', 'startOperation', 'markSnapshotReady', 'finishOperation'].includes(String(key))) return value;
        return (...args: unknown[]): unknown => {
          seen.push(`${String(key)}:${synchronous() === FULL ? 'FULL' : 'NORMAL'}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as StorePort;
    const driver = { createSnapshot: () => Promise.resolve(), destroySnapshot: () => Promise.resolve() } as unknown as StorageDriver;
    const filesystems = newSnapshot().filesystems;
    const live: LiveContainer = { id: CONTAINER_ID, name: 'web', image: 'busybox', state: { status: 'running', running: true, paused: false }, config: sampleConfig() };
    const creator = new SnapshotCreator({
      store,
      runtime: { pause: () => Promise.resolve(), unpause: () => Promise.resolve(), stop: () => Promise.resolve(), start: () => Promise.resolve(), inspect: () => Promise.resolve(live) },
      datasetLocks: new DatasetLocks(0),
      capture: { captureSet: () => Promise.resolve(filesystems.map((fs) => ({ role: fs.role, mountPoint: fs.mountPoint, source: null, captured: true, reason: null, filesystem: fs }))) },
      pools: new PoolRegistry([{ id: 'main', driver }, { id: 'tank', driver }]),
      clock: test.clock,
      sizes: { measureSoon: () => undefined },
      commitsWithoutFsync: commitsWithoutFsync(test.db),
    });
    const record = test.store.getContainer(CONTAINER_ID) ?? assert.fail('container recorded');

    const made = await creator.create({ record, live }, { origin: 'api' });

    assert.equal(made.state, 'ready');
    assert.deepEqual(seen, ['reserveSnapshot:NORMAL', 'startOperation:NORMAL', 'markSnapshotReady:FULL', 'finishOperation:NORMAL']);
    assert.equal(synchronous(), FULL);
    assert.equal(test.store.listUnfinishedOperations().length, 0);

    assert.throws(() => {
      commitsWithoutFsync(test.db)(() => {
        assert.equal(synchronous(), NORMAL);
        throw new Error('boom');
      });
    }, /boom/);
    assert.equal(synchronous(), FULL, 'back to FULL after a throw');
  });
});
