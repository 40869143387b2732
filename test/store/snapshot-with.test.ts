/**
 * A snapshot record's `config` is fetched by id when read. The copy a delete answers with is made after
 * the row is gone: it must not read `config` (a spread of the former object-literal records did, and
 * DELETE answered 404 for a snapshot it had just deleted).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { snapshotWith } from '../../src/core/snapshot-with.js';
import { createTestStore, newSnapshot, withContainer } from './store-fixture.js';

describe('store: a copy of a record whose row is gone', () => {
  const test = createTestStore();
  after(() => test.destroy());

  it('copies without reading the lazy config; reading it then says the snapshot is gone', () => {
    withContainer(test);
    const reserved = test.store.reserveSnapshot(newSnapshot());
    const read = test.store.getSnapshot(reserved.id);
    assert.ok(read);
    test.db.prepare('DELETE FROM snapshot_filesystems WHERE snapshot_id = ?').run(reserved.id);
    test.db.prepare('DELETE FROM snapshots WHERE id = ?').run(reserved.id);
    const copy = snapshotWith(read, { state: 'deleting' });
    assert.equal(copy.state, 'deleting');
    assert.equal(copy.name, reserved.name);
    assert.throws(() => copy.config, /no longer exists/);
    // A spread copies no `config` at all (the getter is on the prototype): records are copied with snapshotWith.
    assert.equal(Object.keys(read).includes('config'), false);
  });
});
