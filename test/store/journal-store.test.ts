import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CONTAINER_ID, createTestStore } from './store-fixture.js';

describe('store: operation journal', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('round-trips an operation through its steps, across a restart, until finished', () => {
    const started = test.clock.now();
    const op = test.store.startOperation('restore', CONTAINER_ID, 'snap-20260304-050607', { snapshotId: 7, wasRunning: true });
    assert.deepEqual(op, {
      id: op.id,
      kind: 'restore',
      containerId: CONTAINER_ID,
      snapshotName: 'snap-20260304-050607',
      state: 'running',
      step: 'started',
      payload: { snapshotId: 7, wasRunning: true },
      startedAt: started,
      updatedAt: started,
      error: null,
    });
    test.clock.advance(1500);
    test.store.updateOperation(op.id, 'stopped');
    test.clock.advance(1500);
    test.store.updateOperation(op.id, 'swapped:1/2', { swapped: ['/'], wasRunning: false });

    test.reopen(); // as after a crash
    const [unfinished, ...rest] = test.store.listUnfinishedOperations();
    assert.equal(rest.length, 0);
    assert.deepEqual(unfinished, {
      ...op,
      step: 'swapped:1/2',
      payload: { snapshotId: 7, wasRunning: false, swapped: ['/'] },
      updatedAt: new Date(started.getTime() + 3000),
    });

    test.store.finishOperation(op.id, 'failed', 'could not start the container');
    assert.deepEqual(test.store.listUnfinishedOperations(), []);
    const finished = test.store.getOperation(op.id);
    assert.equal(finished?.state, 'failed');
    assert.equal(finished.error, 'could not start the container');
  });

  it('lists unfinished operations oldest first and prunes only old finished ones', () => {
    const a = test.store.startOperation('create', CONTAINER_ID, null, {});
    const b = test.store.startOperation('delete', CONTAINER_ID, 'snap-x', {});
    const c = test.store.startOperation('copy', CONTAINER_ID, null, { target: 'clone-1' });
    test.store.finishOperation(b.id, 'done');
    assert.deepEqual(test.store.listUnfinishedOperations().map((e) => e.id), [a.id, c.id]);
    test.clock.advance(60_000);
    assert.equal(test.store.pruneFinishedOperations(test.clock.now()), 2, 'the finished delete and the earlier restore');
    assert.equal(test.store.getOperation(b.id), undefined);
    assert.ok(test.store.getOperation(a.id), 'running entries are never pruned');
  });

  it('says which entry is unknown', () => {
    assert.throws(() => {
      test.store.updateOperation(999_999, 'x');
    }, { code: 'operation_not_found', message: 'No journal entry with id 999999.' });
    assert.throws(() => {
      test.store.finishOperation(999_999, 'done');
    }, { code: 'operation_not_found' });
  });
});
