/**
 * A tracked operation that the caller awaits (`run`: a create, restore or delete through the API) writes
 * its start (record and `started` event) without an fsync of its own: its outcome's commit, which syncs,
 * makes it durable before the caller hears anything. A background operation (`launch`, answered with 202
 * and the operation at once) keeps the fsync on its start. Real SQLite store; no storage involved.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { EventBus } from '../../src/core/events/event-bus.js';
import { eventedOperations } from '../../src/core/events/evented-operations.js';
import { OperationTracker } from '../../src/core/events/operation-tracker.js';
import type { OperationStorePort } from '../../src/core/operations.js';
import { commitsWithoutFsync } from '../../src/store/commits-without-fsync.js';
import { EventStore } from '../../src/store/event-store.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { CONTAINER_ID, createTestStore, withContainer } from '../store/store-fixture.js';

const FULL = 2;

describe('tracked operations: which commits are fsynced', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('run: start without fsync, outcome with it; launch: start with fsync; FULL again afterwards', async () => {
    withContainer(test);
    const mode = (): string => (test.db.pragma('synchronous', { simple: true }) === FULL ? 'FULL' : 'NORMAL');
    const seen: string[] = [];
    const watch = <T extends object>(target: T, names: readonly string[]): T =>
      new Proxy(target, {
        get(object, key, receiver) {
          const value: unknown = Reflect.get(object, key, receiver);
          if (typeof value !== 'function' || !names.includes(String(key))) return value;
          return (...args: unknown[]): unknown => {
            seen.push(`${String(key)}:${mode()}`);
            return (value as (...a: unknown[]) => unknown).apply(object, args);
          };
        },
      });
    const operations: OperationStorePort = watch(new OperationStore(test.db, test.clock), ['createOperation', 'finishOperation']);
    const bus = new EventBus(watch(new EventStore(test.db), ['appendEvent']), test.clock, (error) => {
      throw error;
    });
    const tracker = new OperationTracker(eventedOperations(operations, bus, () => 'default'), pino({ level: 'silent' }), commitsWithoutFsync(test.db));
    const input = { kind: 'snapshot.create', containerId: CONTAINER_ID, snapshotName: null, target: null } as const;

    assert.equal(await tracker.run(input, () => Promise.resolve('made')), 'made');
    assert.deepEqual(seen, ['createOperation:NORMAL', 'appendEvent:NORMAL', 'finishOperation:FULL', 'appendEvent:FULL']);
    assert.equal(mode(), 'FULL');

    seen.length = 0;
    await assert.rejects(tracker.run(input, () => Promise.reject(new Error('boom'))), /boom/);
    assert.deepEqual(seen, ['createOperation:NORMAL', 'appendEvent:NORMAL', 'finishOperation:FULL', 'appendEvent:FULL'], 'a failure is recorded with FULL');

    seen.length = 0;
    tracker.launch(input, () => Promise.resolve('later'));
    assert.deepEqual(seen, ['createOperation:FULL', 'appendEvent:FULL']);
    await tracker.drain();
    assert.equal(mode(), 'FULL');
  });
});
