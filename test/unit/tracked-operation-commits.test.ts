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
            seen.push(`${String(key)}:${mode()}${test.db.inTransaction ? ' in tx' : ''}`);
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
    // Each record and its event are one transaction: one commit, so one fsync for the outcome.
    assert.deepEqual(seen, ['createOperation:NORMAL in tx', 'appendEvent:NORMAL in tx', 'finishOperation:FULL in tx', 'appendEvent:FULL in tx']);
    assert.equal(mode(), 'FULL');

    seen.length = 0;
    await assert.rejects(tracker.run(input, () => Promise.reject(new Error('boom'))), /boom/);
    assert.deepEqual(seen, ['createOperation:NORMAL in tx', 'appendEvent:NORMAL in tx', 'finishOperation:FULL in tx', 'appendEvent:FULL in tx'], 'a failure is recorded with FULL');

    seen.length = 0;
    tracker.launch(input, () => Promise.resolve('later'));
    assert.deepEqual(seen, ['createOperation:FULL in tx', 'appendEvent:FULL in tx']);
    await tracker.drain();
    assert.equal(mode(), 'FULL');
  });

  it('an event that cannot be written costs its operation nothing: the outcome is committed alone', async () => {
    withContainer(test);
    const operations = new OperationStore(test.db, test.clock);
    const errors: unknown[] = [];
    const bus = new EventBus(new EventStore(test.db), test.clock, (error) => errors.push(error));
    let failing = false;
    bus.addWriter(() => {
      if (failing) throw new Error('outbox full');
    });
    const tracker = new OperationTracker(eventedOperations(operations, bus, () => 'default'), pino({ level: 'silent' }), commitsWithoutFsync(test.db));
    const input = { kind: 'snapshot.create', containerId: CONTAINER_ID, snapshotName: null, target: null } as const;
    const events = (): number => new EventStore(test.db).eventsAfter(0, 10_000).length;
    const before = events();
    const operationsBefore = operations.listOperations({ limit: 1, offset: 0 }).total;
    failing = true;
    assert.equal(await tracker.run(input, () => Promise.resolve('made')), 'made');
    assert.equal(errors.length, 2, 'both events (started, succeeded) were reported as not recorded');
    assert.equal(events(), before, 'no event was written');
    const { operations: [last], total } = operations.listOperations({ limit: 1, offset: 0 });
    assert.equal(total, operationsBefore + 1);
    assert.equal(last?.status, 'succeeded', 'the outcome is recorded all the same (not rolled back with its event)');
  });
});
