import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { findMount } from '../../storage-drivers/common/mounts.js';
import { createBtrfsPool, type TestBtrfsPool } from '../support/btrfs-pool.js';
import { needs, programVersion } from '../support/components.js';

describe(`smoke: real btrfs (${programVersion('btrfs', ['--version'])})`, needs('btrfs'), () => {
  const runner = new ExecFileRunner();
  let pool: TestBtrfsPool;
  before(async () => {
    pool = await createBtrfsPool();
  });
  after(() => pool.destroy());

  it('is a real loop-mounted btrfs with quotas enabled', async () => {
    const mount = findMount(pool.mountPoint);
    assert.equal(mount?.fsType, 'btrfs');
    assert.match(mount.source, /^\/dev\/loop\d+$/);
    const { stdout } = await runner.run('btrfs', ['qgroup', 'show', pool.mountPoint]);
    assert.match(stdout, /qgroupid/i);
  });

  it('snapshots a subvolume and keeps the snapshot frozen', async () => {
    const subvolume = join(pool.mountPoint, 'data');
    const snapshot = join(pool.mountPoint, 'data-snap');
    await runner.run('btrfs', ['subvolume', 'create', subvolume]);
    await writeFile(join(subvolume, 'file.txt'), 'before');
    await runner.run('btrfs', ['subvolume', 'snapshot', '-r', subvolume, snapshot]);
    await writeFile(join(subvolume, 'file.txt'), 'after');
    await writeFile(join(subvolume, 'new.txt'), 'new');

    assert.equal(await readFile(join(snapshot, 'file.txt'), 'utf8'), 'before');
    await assert.rejects(readFile(join(snapshot, 'new.txt')), { code: 'ENOENT' });
    await assert.rejects(writeFile(join(snapshot, 'file.txt'), 'x'), { code: 'EROFS' });
    assert.equal(await readFile(join(subvolume, 'file.txt'), 'utf8'), 'after');
  });
});
