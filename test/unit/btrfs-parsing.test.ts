import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSubvolumeList } from '../../storage-drivers/btrfs/btrfs-commands.js';
import { parseSendDump, unescapeDumpPath } from '../../storage-drivers/btrfs/btrfs-send-diff.js';

describe('btrfs subvolume list parsing', () => {
  it('keeps paths with spaces and strips <FS_TREE>', () => {
    const text = 'ID 256 gen 7 top level 5 path a\nID 258 gen 8 top level 256 path a/my dir/n1\nID 259 gen 9 top level 5 path <FS_TREE>/b\n';
    assert.deepEqual(parseSubvolumeList(text), [
      { id: 256, path: 'a' },
      { id: 258, path: 'a/my dir/n1' },
      { id: 259, path: 'b' },
    ]);
  });
});

describe('btrfs send dump parsing', () => {
  // Real output of btrfs-progs 6.2 for: append to f1, mv f2 f2r, rm -r dir, rm "sp ace", add new, add nd/q.
  const dump = String.raw`snapshot        ./snapshot                      uuid=28a7 transid=11 parent_uuid=8fb1 parent_transid=10
rename          ./snapshot/dir                  dest=./snapshot/o257-10-0
update_extent   ./snapshot/f1                   offset=0 len=7
utimes          ./snapshot/f1                   atime=2026-11-22T08:47:39+0000 mtime=2026-11-22T08:47:39+0000
link            ./snapshot/f2r                  dest=f2
unlink          ./snapshot/f2
utimes          ./snapshot/f2r                  atime=2026-11-22T08:47:39+0000
unlink          ./snapshot/o257-10-0/x
rmdir           ./snapshot/o257-10-0
unlink          ./snapshot/sp\ ace
mkfile          ./snapshot/o262-11-0
rename          ./snapshot/o262-11-0            dest=./snapshot/new
update_extent   ./snapshot/new                  offset=0 len=4
chown           ./snapshot/new                  gid=0 uid=0
chmod           ./snapshot/new                  mode=644
mkdir           ./snapshot/o263-11-0
rename          ./snapshot/o263-11-0            dest=./snapshot/nd
mkfile          ./snapshot/o264-11-0
rename          ./snapshot/o264-11-0            dest=./snapshot/nd/q
update_extent   ./snapshot/nd/q                 offset=0 len=2
utimes          ./snapshot/                     atime=2026-11-22T08:47:39+0000`;

  it('turns the stream into added, modified, deleted and renamed paths', () => {
    assert.deepEqual(parseSendDump(dump), [
      { path: '/dir', change: 'deleted' },
      { path: '/dir/x', change: 'deleted' },
      { path: '/f1', change: 'modified' },
      { path: '/f2r', change: 'renamed', from: '/f2' },
      { path: '/nd', change: 'added' },
      { path: '/nd/q', change: 'added' },
      { path: '/new', change: 'added' },
      { path: '/sp ace', change: 'deleted' },
    ]);
  });

  it('reports a plain directory rename', () => {
    const text = 'snapshot ./s uuid=1\nrename          ./s/old                  dest=./s/renamed\nutimes ./s/ atime=1';
    assert.deepEqual(parseSendDump(text), [{ path: '/renamed', change: 'renamed', from: '/old' }]);
  });

  it('unescapes paths', () => {
    assert.equal(unescapeDumpPath(String.raw`./s/a\ b\\c\n\303\251`), './s/a b\\c\né');
  });

  it('ignores a stream without changes', () => {
    assert.deepEqual(parseSendDump('snapshot ./s uuid=1\nutimes ./s/ atime=1\n'), []);
  });
});
