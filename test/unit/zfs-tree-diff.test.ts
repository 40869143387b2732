import assert from 'node:assert/strict';
import { chmod, cp, mkdir, mkdtemp, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TooManyChangesError } from '../../storage-drivers/common/errors.js';
import { compareTrees } from '../../storage-drivers/zfs/zfs-tree-diff.js';

describe('tree comparison (diff where zfs diff does not exist)', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('reports added, deleted and modified paths, renames as deleted + added, sorted', async () => {
    const base = await mkdtemp(join(tmpdir(), 'cowsnap-tree-diff-'));
    dirs.push(base);
    const before = join(base, 'before');
    const after = join(base, 'after');
    await mkdir(join(before, 'dir/sub'), { recursive: true });
    await writeFile(join(before, 'same.txt'), 'same');
    await writeFile(join(before, 'rewrite.txt'), 'aaaa');
    await writeFile(join(before, 'mode.sh'), 'echo');
    await writeFile(join(before, 'move.txt'), 'moving');
    await writeFile(join(before, 'dir/sub/gone.txt'), 'gone');
    await symlink('same.txt', join(before, 'link'));
    // Whole seconds, so the copy below keeps them exactly (as a ZFS clone does).
    const fixed = new Date('2025-01-01T00:00:00Z');
    for (const file of ['same.txt', 'rewrite.txt', 'mode.sh', 'move.txt', 'dir/sub/gone.txt']) await utimes(join(before, file), fixed, fixed);
    await cp(before, after, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });

    // Same size, same mtime, other content: only the hash can see it.
    const { mtime } = await stat(join(after, 'rewrite.txt'));
    await writeFile(join(after, 'rewrite.txt'), 'bbbb');
    await utimes(join(after, 'rewrite.txt'), mtime, mtime);
    await chmod(join(after, 'mode.sh'), 0o755);
    await rename(join(after, 'move.txt'), join(after, 'moved.txt'));
    await rm(join(after, 'dir/sub'), { recursive: true });
    await writeFile(join(after, 'new file.txt'), 'hello');
    await rm(join(after, 'link'));
    await symlink('mode.sh', join(after, 'link'));

    assert.deepEqual(await compareTrees(before, after), [
      { path: '/dir/sub', change: 'deleted' },
      { path: '/dir/sub/gone.txt', change: 'deleted' },
      { path: '/link', change: 'modified' },
      { path: '/mode.sh', change: 'modified' },
      { path: '/move.txt', change: 'deleted' },
      { path: '/moved.txt', change: 'added' },
      { path: '/new file.txt', change: 'added' },
      { path: '/rewrite.txt', change: 'modified' },
    ]);
    assert.deepEqual(await compareTrees(before, before), []);
  });

  it('walks both trees side by side: a folder that became a file, a file that became a folder, whole new and gone subtrees; stops past the limit', async () => {
    const base = await mkdtemp(join(tmpdir(), 'cowsnap-tree-diff-'));
    dirs.push(base);
    const before = join(base, 'before');
    const after = join(base, 'after');
    await mkdir(join(before, 'was-dir/deep'), { recursive: true });
    await writeFile(join(before, 'was-dir/deep/a'), 'a');
    await writeFile(join(before, 'was-file'), 'f');
    await mkdir(join(before, 'old-tree/x'), { recursive: true });
    await writeFile(join(before, 'old-tree/x/y'), 'y');
    await mkdir(join(after, 'was-file/inner'), { recursive: true });
    await writeFile(join(after, 'was-dir'), 'now a file');
    await mkdir(join(after, 'new-tree/p'), { recursive: true });
    await writeFile(join(after, 'new-tree/p/q'), 'q');

    const expected = [
      { path: '/new-tree', change: 'added' },
      { path: '/new-tree/p', change: 'added' },
      { path: '/new-tree/p/q', change: 'added' },
      { path: '/old-tree', change: 'deleted' },
      { path: '/old-tree/x', change: 'deleted' },
      { path: '/old-tree/x/y', change: 'deleted' },
      { path: '/was-dir', change: 'modified' },
      { path: '/was-dir/deep', change: 'deleted' },
      { path: '/was-dir/deep/a', change: 'deleted' },
      { path: '/was-file', change: 'modified' },
      { path: '/was-file/inner', change: 'added' },
    ];
    assert.deepEqual(await compareTrees(before, after), expected);
    assert.deepEqual(await compareTrees(before, after, expected.length), expected, 'exactly the limit is listed');
    await assert.rejects(compareTrees(before, after, 5), (error: unknown) => error instanceof TooManyChangesError && error.limit === 5);
  });
});
