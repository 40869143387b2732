import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidNameError } from '../../storage-drivers/common/errors.js';
import { assertSnapshotName, nameProblems, relativeDatasetProblems } from '../../storage-drivers/common/names.js';
import { BtrfsLayout } from '../../storage-drivers/btrfs/btrfs-layout.js';

describe('storage name validation', () => {
  it('accepts the names cowsnap makes and ordinary ones', () => {
    for (const name of ['snap-20260101-120000', 'snap-20260101-120000-2', 'before_deploy', 'v1.2:rc', 'A']) {
      assert.deepEqual(nameProblems('name', name), [], name);
    }
  });

  it('rejects each kind of bad name with its own reason', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['a/b', /"\/"/],
      ['..', /"\." or "\.\."/],
      ['a@b', /"@"/],
      ['a b', /whitespace/],
      ['a\tb', /control characters/],
      ['a\u0000', /control characters/],
      ['-rf', /start with "-"/],
      ['.hidden', /start with "\."/],
      ['x'.repeat(129), /limit is 128/],
      ['naïve*', /not allowed \("ï", "\*"\)/],
    ];
    for (const [name, reason] of cases) {
      const problems = nameProblems('name', name);
      assert.ok(problems.some((p) => reason.test(p)), `${JSON.stringify(name)}: ${problems.join('; ')}`);
    }
  });

  it('lists every problem in one error', () => {
    assert.throws(
      () => { assertSnapshotName(' a/@'); },
      (error: unknown) => error instanceof InvalidNameError && error.problems.length === 3 && error.code === 'invalid_name',
    );
  });

  it('checks every component of a dataset path', () => {
    assert.deepEqual(relativeDatasetProblems('docker/btrfs/subvolumes/0a1b-init'), []);
    assert.equal(relativeDatasetProblems('a/../b').length, 1);
    assert.equal(relativeDatasetProblems('a//b').length, 1);
    assert.match(relativeDatasetProblems('')[0] ?? '', /not the pool itself/);
  });
});

describe('btrfs layout', () => {
  const layout = new BtrfsLayout('/pool');

  it('keeps datasets inside the pool and out of cowsnap internals', () => {
    assert.equal(layout.dataset('/pool/a/./b'), '/pool/a/b');
    assert.equal(layout.dataset('/pool/a/../b'), '/pool/b');
    for (const bad of ['/pool', '/pool/..', '/other/x', '/pool/a/../../etc', 'relative/path', '/pool/.cowsnap/snapshots', '/pool/a b']) {
      assert.throws(() => layout.dataset(bad), { code: 'invalid_name' }, bad);
    }
  });

  it('encodes a dataset into one reversible path component', () => {
    const key = layout.key('/pool/docker/btrfs/subvolumes/abc');
    assert.ok(!key.includes('/'));
    assert.equal(layout.datasetFromKey(key), '/pool/docker/btrfs/subvolumes/abc');
    assert.equal(layout.snapshotPath('/pool/d', 's1'), '/pool/.cowsnap/snapshots/d/s1/snapshot');
  });
});
