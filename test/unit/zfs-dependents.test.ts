/**
 * What zfs-fuse unmounts and remounts when it renames a dataset or a snapshot: the clones that depend on
 * it to any depth. A restore's lineage chain (old lineage@s → later lineage → its snapshot → live dataset)
 * is the case the chaos run hit on d8205f1: only direct clones were guarded, and `shared` ended unmounted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dependentsOf } from '../../storage-drivers/zfs/zfs-holders.js';

const origins = new Map<string, string[]>([
  ['p/i/lineage-a@s1', ['p/i/lineage-b']],
  ['p/i/lineage-b@s2', ['p/shared', 'p/copy-1']],
  ['p/shared@s3', ['p/copy-2']],
  ['p/other@s4', ['p/copy-3']],
]);

describe('zfs dependents of a rename', () => {
  it('follows clones of clones from a snapshot', () => {
    assert.deepEqual(dependentsOf('p/i/lineage-a@s1', origins).sort(), ['p/copy-1', 'p/copy-2', 'p/i/lineage-b', 'p/shared']);
  });
  it('from a dataset, starts at every snapshot of it and never looks at another dataset with the same prefix', () => {
    assert.deepEqual(dependentsOf('p/shared', origins), ['p/copy-2']);
    assert.deepEqual(dependentsOf('p/i/lineage-b', origins).sort(), ['p/copy-1', 'p/copy-2', 'p/shared']);
    assert.deepEqual(dependentsOf('p/othe', origins), []);
  });
});
