import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOutcome, parseEvent } from '../src/api/live-events.ts';

describe('live events', () => {
  it('reads the fields a page decides on from an event frame, and ignores what is not an event', () => {
    const frame = JSON.stringify({ id: 7, type: 'snapshot.create.succeeded', container_id: 'abc', snapshot: 'snap-1', bytes_done: null });
    assert.deepEqual(parseEvent(frame), { type: 'snapshot.create.succeeded', container_id: 'abc', snapshot: 'snap-1' });
    assert.deepEqual(parseEvent(JSON.stringify({ type: 'webhook.test' })), { type: 'webhook.test', container_id: null, snapshot: null });
    assert.equal(parseEvent('not json'), undefined);
    assert.equal(parseEvent('null'), undefined);
    assert.equal(parseEvent(JSON.stringify({ kind: 'x' })), undefined);
  });

  it('an ended operation (succeeded or failed) changes a view; started and progress do not', () => {
    const kinds = ['snapshot.restore.succeeded', 'replica.upload.failed', 'snapshot.create.started', 'replica.upload.progress'];
    assert.deepEqual(
      kinds.map((type) => isOutcome({ type, container_id: null, snapshot: null })),
      [true, true, false, false],
    );
  });
});
