import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { findMount } from '../../storage-drivers/common/mounts.js';
import { needs } from '../support/components.js';
import { createZfsPool, type TestZfsPool } from '../support/zfs-pool.js';

describe('smoke: real ZFS (zfs-fuse)', needs('zfs'), () => {
  const runner = new ExecFileRunner();
  let pool: TestZfsPool;
  before(async () => {
    pool = await createZfsPool();
  });
  after(() => pool.destroy());

  it('is a real zpool served by zfs-fuse', async (t) => {
    // zfs-fuse's `zpool get` has no -H; the value is the third column of the second line.
    const output = (await runner.run('zpool', ['get', 'version', pool.name])).stdout;
    const version = output.split('\n')[1]?.trim().split(/\s+/)[2];
    t.diagnostic(`zpool ${pool.name}: pool version ${String(version)} (zfs-fuse is v23; OpenZFS shows "-")`);
    assert.match(version ?? '', /^\d+$|^-$/);
    const mount = findMount(pool.mountPoint);
    assert.match(mount?.fsType ?? '', /^(fuse\.zfs|fuse|zfs)$/);
  });

  it('snapshots a dataset and keeps the snapshot frozen', async () => {
    const dataset = `${pool.name}/data`;
    await runner.run('zfs', ['create', dataset]);
    const mountPoint = (await runner.run('zfs', ['get', '-H', '-o', 'value', 'mountpoint', dataset])).stdout.trim();
    assert.equal(mountPoint, join(pool.mountPoint, 'data'));
    await writeFile(join(mountPoint, 'file.txt'), 'before');
    await runner.run('zfs', ['snapshot', `${dataset}@s1`]);
    await writeFile(join(mountPoint, 'file.txt'), 'after');

    // Read the frozen state through a clone: zfs-fuse has no .zfs/snapshot directory.
    await runner.run('zfs', ['clone', `${dataset}@s1`, `${pool.name}/frozen`]);
    assert.equal(await readFile(join(pool.mountPoint, 'frozen', 'file.txt'), 'utf8'), 'before');
    assert.equal(await readFile(join(mountPoint, 'file.txt'), 'utf8'), 'after');
    const snapshots = (await runner.run('zfs', ['list', '-H', '-t', 'snapshot', '-o', 'name', '-r', dataset])).stdout;
    assert.deepEqual(snapshots.trim().split('\n'), [`${dataset}@s1`]);
  });
});
