import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandFailedError } from '../../storage-drivers/common/errors.js';
import { PROP, snapshotsFromRows } from '../../storage-drivers/zfs/zfs-catalog.js';
import { parseOrigins, parsePropertyRows } from '../../storage-drivers/zfs/zfs-commands.js';
import { parseZpoolVersion, subcommandExists } from '../../storage-drivers/zfs/zfs-dialect.js';
import { toZfsError } from '../../storage-drivers/zfs/zfs-errors.js';
import { parseZfsDiff, unescapeZfsPath } from '../../storage-drivers/zfs/zfs-native-diff.js';
import { ZfsNames } from '../../storage-drivers/zfs/zfs-names.js';

describe('zfs output parsing', () => {
  it('reads `zfs get -H -p -o name,property,value,source` rows', () => {
    const rows = parsePropertyRows('tank/a\tused\t131072\t-\ntank/a@s1\tcowsnap:created\t1700000000123\tlocal\n\n');
    assert.deepEqual(rows, [
      { name: 'tank/a', property: 'used', value: '131072', source: '-' },
      { name: 'tank/a@s1', property: 'cowsnap:created', value: '1700000000123', source: 'local' },
    ]);
  });

  it('maps origins to clones from `zfs list -H -o name,origin` (zfs-fuse has no clones property)', () => {
    const clones = parseOrigins('tank\t-\ntank/a\t-\ntank/b\ttank/a@s1\ntank/c\ttank/a@s1\ntank/d\ttank/b@x\n');
    assert.deepEqual([...clones], [
      ['tank/a@s1', ['tank/b', 'tank/c']],
      ['tank/b@x', ['tank/d']],
    ]);
  });

  it('reads the pool version from the `zpool get` table on zfs-fuse and OpenZFS', () => {
    assert.equal(parseZpoolVersion('NAME  PROPERTY  VALUE    SOURCE\ntank  version   23       default\n'), '23');
    assert.equal(parseZpoolVersion('NAME  PROPERTY  VALUE    SOURCE\ntank  version   -        default\n'), '-');
  });

  it('tells a missing subcommand from one that only wants arguments', () => {
    assert.equal(subcommandExists("unrecognized command 'diff'\nusage: zfs command args ..."), false);
    assert.equal(subcommandExists('missing snapshot argument\nusage:\n\tdiff [-FHth] <snapshot> [snapshot|filesystem]'), true);
  });

  it('orders snapshots over several lineages by creation in ms and hides deleted ones', () => {
    const rows = parsePropertyRows(
      [
        'tank/a@new\tcreation\t1700000002\t-',
        `tank/a@new\t${PROP.created}\t1700000002500\tlocal`,
        'tank/a@new\tdefer_destroy\toff\t-',
        'tank/i/lineage-1@old\tcreation\t1700000001\t-',
        `tank/i/lineage-1@old\t${PROP.created}\t1700000001100\tlocal`,
        'tank/i/lineage-1@old\tdefer_destroy\toff\t-',
        'tank/i/lineage-1@gone\tcreation\t1700000001\t-',
        'tank/i/lineage-1@gone\tdefer_destroy\ton\t-',
        'tank/other@x\tcreation\t1\t-',
        'tank/a\tcreation\t1\t-',
      ].join('\n'),
    );
    const snapshots = snapshotsFromRows(rows, ['tank/a', 'tank/i/lineage-1']);
    assert.deepEqual(
      snapshots.map((s) => [s.name, s.physical, s.createdAt.getTime(), s.dead]),
      [
        ['gone', 'tank/i/lineage-1', 1700000001000, true],
        ['old', 'tank/i/lineage-1', 1700000001100, false],
        ['new', 'tank/a', 1700000002500, false],
      ],
    );
  });
});

describe('zfs diff output (OpenZFS)', () => {
  it('unescapes octal-escaped bytes, UTF-8 included', () => {
    assert.equal(unescapeZfsPath('/mnt/a/new\\0040file.txt'), '/mnt/a/new file.txt');
    assert.equal(unescapeZfsPath('/mnt/a/caf\\0303\\0251'), '/mnt/a/café');
  });

  it('turns -F -H lines into paths relative to the dataset, renames with their old path', () => {
    const out = [
      'M\t/\t/mnt/a/',
      'M\t/\t/mnt/a',
      'M\tF\t/mnt/a/modify.txt',
      '-\tF\t/mnt/a/delete.txt',
      '+\tF\t/mnt/a/new\\0040file.txt',
      'R\tF\t/mnt/a/move.txt\t/mnt/a/moved.txt',
      '',
    ].join('\n');
    assert.deepEqual(parseZfsDiff(out, '/mnt/a'), [
      { path: '/delete.txt', change: 'deleted' },
      { path: '/modify.txt', change: 'modified' },
      { path: '/moved.txt', change: 'renamed', from: '/move.txt' },
      { path: '/new file.txt', change: 'added' },
    ]);
  });
});

describe('zfs names and errors', () => {
  const names = new ZfsNames('tank/cowsnap');

  it('accepts datasets below the root and refuses the internal one and outsiders, listing every problem', () => {
    names.assertDataset('tank/cowsnap/web-1');
    assert.throws(() => { names.assertDataset('tank/cowsnap/cowsnap-internal/lineage-x'); }, { code: 'invalid_name', message: /reserved/ });
    assert.throws(() => { names.assertDataset('tank/elsewhere'); }, { code: 'invalid_name', message: /inside the root dataset/ });
    assert.throws(
      () => { names.assertSnapshot('tank/cowsnap/a b', 'x@y'); },
      (error: { problems?: string[] }) => (error.problems?.length ?? 0) >= 2,
    );
    assert.throws(() => new ZfsNames('tank/-rf'), { code: 'invalid_name' });
  });

  it('knows its internal datasets by name', () => {
    assert.deepEqual(names.parseInternal('tank/cowsnap/cowsnap-internal/lineage-abc-12'), { kind: 'lineage', id: 'abc-12' });
    assert.equal(names.parseInternal('tank/cowsnap/lineage-abc'), undefined);
    assert.equal(names.isInternal('tank/cowsnap/cowsnap-internal'), true);
  });

  it('maps libzfs messages to typed errors', () => {
    const failed = (stderr: string): CommandFailedError => new CommandFailedError('zfs', ['snapshot', 'x@y'], 1, stderr);
    assert.equal((toZfsError(failed("cannot create snapshot 'x@y': out of space"), 'snap') as { code: string }).code, 'no_space');
    assert.equal((toZfsError(failed("cannot open 'x': dataset does not exist"), 'snap') as { code: string }).code, 'not_found');
    assert.equal((toZfsError(failed("cannot rename 'x': dataset is busy"), 'snap') as { code: string }).code, 'busy');
    assert.equal((toZfsError(failed("cannot create 'x': dataset already exists"), 'snap') as { code: string }).code, 'already_exists');
    const other = failed('something else');
    assert.equal(toZfsError(other, 'snap'), other, 'anything else keeps command, args, exit code and stderr');
  });
});
