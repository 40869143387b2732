import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BtrfsDriver } from '../../storage-drivers/btrfs/btrfs-driver.js';
import { ExecFileRunner, type CommandResult, type CommandRunner } from '../../storage-drivers/common/command-runner.js';
import type { RestoreStep } from '../../storage-drivers/driver.js';
import { createBtrfsPool, type TestBtrfsPool } from '../support/btrfs-pool.js';
import { needs } from '../support/components.js';
import { treeHash } from '../support/tree-digest.js';

const runner = new ExecFileRunner();

async function subvolume(path: string): Promise<void> {
  await runner.run('btrfs', ['subvolume', 'create', path]);
}

async function rootId(path: string): Promise<number> {
  return Number((await runner.run('btrfs', ['inspect-internal', 'rootid', path])).stdout.trim());
}

/** Every subvolume path below the pool's `.cowsnap` folder, as `btrfs subvolume list` shows it. */
async function internalSubvolumes(pool: string): Promise<string[]> {
  const out = (await runner.run('btrfs', ['subvolume', 'list', pool])).stdout;
  return out.split('\n').filter((line) => line.includes('.cowsnap'));
}

/** Runs commands for real and remembers when each btrfs subcommand ran (`subvolume snapshot` → start, end). */
class IntervalRunner implements CommandRunner {
  readonly intervals: { command: string; start: number; end: number }[] = [];
  async run(command: string, args: readonly string[]): Promise<CommandResult> {
    const start = performance.now();
    try {
      return await runner.run(command, args);
    } finally {
      this.intervals.push({ command: args.slice(0, 2).join(' '), start, end: performance.now() });
    }
  }
}

describe('btrfs nested subvolumes', needs('btrfs'), () => {
  let pool: TestBtrfsPool;
  let driver: BtrfsDriver;
  let counter = 0;
  const newDataset = async (name: string): Promise<string> => {
    counter += 1;
    const path = join(pool.mountPoint, 'datasets', `${name}-${String(counter)}`);
    await driver.createDataset(path);
    return path;
  };
  before(async () => {
    pool = await createBtrfsPool({ quotas: false });
    driver = new BtrfsDriver({ poolPath: pool.mountPoint, runner });
    await driver.probe();
  });
  after(() => pool.destroy());

  it('deletes only inside the dataset when a nested subvolume name plants a fake listing line', async () => {
    const victim = await newDataset('victim');
    await writeFile(join(victim, 'keep.txt'), 'must survive');
    // Copies sit at the pool root. `btrfs subvolume list` prints "ID <id> gen <g> top level <t> path <path>"
    // per line; this name (no `/` allowed) adds a line whose path, read relative to the copy, is `..`: the
    // pool root, so a line-based delete would empty the whole pool.
    const copy = join(pool.mountPoint, 'cowsnap-copy-planted');
    await driver.createDataset(copy);
    const forgedPath = `${'x'.repeat('cowsnap-copy-planted'.length + 1)}..`;
    const planted = `a\nID ${String(await rootId(victim))} gen 1 top level 5 path ${forgedPath}`;
    await subvolume(join(copy, planted));
    await subvolume(join(copy, 'a'));
    await writeFile(join(copy, planted, 'inside.txt'), 'planted');
    await driver.destroyDataset(copy);
    assert.equal(await driver.datasetExists(copy), false, 'the copy and its nested subvolumes are gone');
    assert.equal(await readFile(join(victim, 'keep.txt'), 'utf8'), 'must survive');
  });

  it('refuses to delete a dataset reached through a symlinked folder inside the pool (the real one stays)', async () => {
    const target = await newDataset('target');
    await writeFile(join(target, 'keep.txt'), 'must survive');
    // Any path through the link names the real dataset; deleting "elsewhere/datasets/<name>" deleted it.
    await mkdir(join(pool.mountPoint, 'elsewhere'));
    await symlink(join(pool.mountPoint, 'datasets'), join(pool.mountPoint, 'elsewhere', 'datasets'));
    await assert.rejects(driver.destroyDataset(join(pool.mountPoint, 'elsewhere', 'datasets', basename(target))), { code: 'unsupported' });
    assert.equal(await driver.datasetExists(target), true);
    assert.equal(await readFile(join(target, 'keep.txt'), 'utf8'), 'must survive');
  });

  it('snapshots, restores and copies a nested subvolume whose name holds a newline', async () => {
    const ds = await newDataset('newline-name');
    const odd = 'build\nID 5 gen 1 top level 5 path ..';
    await subvolume(join(ds, odd));
    await writeFile(join(ds, odd, 'artifact'), 'built');
    const before = await treeHash(ds);
    await driver.createSnapshot(ds, 's');
    await writeFile(join(ds, odd, 'artifact'), 'rebuilt');
    await driver.restoreSnapshot(ds, 's');
    assert.equal(await treeHash(ds), before);
    assert.notEqual(await driver.datasetForPath(join(ds, odd)), undefined, 'put back as a subvolume');
    const copy = join(pool.mountPoint, 'datasets', 'newline-copy');
    await driver.cloneSnapshot(ds, 's', copy);
    assert.equal(await treeHash(copy), before);
    await driver.destroyDataset(copy);
    await driver.destroySnapshot(ds, 's');
    await driver.destroyDataset(ds);
  });

  it('keeps nested parts read-only and removes every one of them with the snapshot', async () => {
    const ds = await newDataset('parts');
    await subvolume(join(ds, 'var-lib-docker'));
    await mkdir(join(ds, 'var-lib-docker', 'btrfs'));
    await subvolume(join(ds, 'var-lib-docker', 'btrfs', 'layer'));
    await writeFile(join(ds, 'var-lib-docker', 'btrfs', 'layer', 'f'), 'x');
    await driver.createSnapshot(ds, 'p');
    const parts = await internalSubvolumes(pool.mountPoint);
    assert.equal(parts.length, 3, `the dataset's snapshot and two parts: ${parts.join(' | ')}`);
    for (const line of parts) {
      const path = join(pool.mountPoint, line.replace(/^.*? path /, ''));
      const ro = (await runner.run('btrfs', ['property', 'get', '-ts', path, 'ro'])).stdout.trim();
      assert.equal(ro, 'ro=true', `${path} is read-only`);
    }
    await driver.destroySnapshot(ds, 'p');
    assert.deepEqual(await internalSubvolumes(pool.mountPoint), [], 'no part left behind');
    await driver.destroyDataset(ds);
  });

  it('takes a snapshot with nested subvolumes without running a single btrfs command', async () => {
    const ds = await newDataset('overlap');
    await subvolume(join(ds, 'inner'));
    await writeFile(join(ds, 'inner', 'f'), 'inside');
    const timing = new IntervalRunner();
    const timed = new BtrfsDriver({ poolPath: pool.mountPoint, runner: timing });
    await timed.probe();
    timing.intervals.length = 0;
    await timed.createSnapshot(ds, 'o');
    // The probe, the snapshot and its part are ioctls through libbtrfsutil: a fork/exec of `btrfs` cost as
    // much as the snapshot, and `subvolume list` read every subvolume of the filesystem.
    assert.deepEqual(timing.intervals, [], 'no command on the create path');
    // The nested subvolume found meanwhile is still captured, and comes back with the restore.
    await writeFile(join(ds, 'inner', 'f'), 'changed');
    await timed.restoreSnapshot(ds, 'o');
    assert.equal(await readFile(join(ds, 'inner', 'f'), 'utf8'), 'inside');
    await timed.destroySnapshot(ds, 'o');
    assert.deepEqual(await internalSubvolumes(pool.mountPoint), [], 'no part left behind');
    await timed.destroyDataset(ds);
  });

  for (const step of ['after-prepare', 'after-move-old', 'after-move-new'] satisfies RestoreStep[]) {
    it(`recovers a restore of a dataset with nested subvolumes that crashed ${step}`, async () => {
      const ds = await newDataset(`crash-${step}`);
      await subvolume(join(ds, 'inner'));
      await writeFile(join(ds, 'inner', 'f'), 'snapshotted');
      const snapshotted = await treeHash(ds);
      await driver.createSnapshot(ds, 'target');
      await writeFile(join(ds, 'inner', 'f'), 'changed');
      await subvolume(join(ds, 'inner', 'later'));
      const changed = await treeHash(ds);
      await assert.rejects(driver.restoreSnapshot(ds, 'target', { crashAfter: step }), /simulated crash/);
      await driver.recover();
      const now = await treeHash(ds);
      assert.ok(now === snapshotted || now === changed, 'old or restored content, nothing in between');
      if (step !== 'after-prepare') assert.equal(now, snapshotted, 'the swap had happened: recover finishes it');
      assert.deepEqual(await driver.recover(), [], 'nothing left over');
      assert.equal((await internalSubvolumes(pool.mountPoint)).length, 2, 'only the snapshot and its part remain');
      await driver.destroySnapshot(ds, 'target');
      await driver.destroyDataset(ds);
    });
  }

  it('cleans the parts of a snapshot that crashed before its own subvolume was taken', async () => {
    const ds = await newDataset('half');
    await subvolume(join(ds, 'inner'));
    const folder = join(pool.mountPoint, '.cowsnap/snapshots', encodeURIComponent(`datasets/${ds.split('/').at(-1) ?? ''}`), 'half');
    await mkdir(join(folder, 'nested'), { recursive: true });
    await runner.run('btrfs', ['subvolume', 'snapshot', '-r', join(ds, 'inner'), join(folder, 'nested', '0')]);
    await writeFile(join(folder, 'nested.json'), JSON.stringify(['inner']));
    assert.equal(await driver.snapshotExists(ds, 'half'), false, 'an incomplete snapshot is not listed');
    const actions = await driver.recover();
    assert.ok(actions.some((a) => a.detail.includes('incomplete snapshot half')), JSON.stringify(actions));
    assert.deepEqual(await internalSubvolumes(pool.mountPoint), []);
    await driver.destroyDataset(ds);
  });

  it('cleans a snapshot that crashed after its own subvolume was taken but before it was completed', async () => {
    const ds = await newDataset('staged');
    await subvolume(join(ds, 'inner'));
    const folder = join(pool.mountPoint, '.cowsnap/snapshots', encodeURIComponent(`datasets/${ds.split('/').at(-1) ?? ''}`), 'staged');
    await mkdir(join(folder, 'nested'), { recursive: true });
    // What a crash while the parts were taken leaves: the dataset's snapshot under its staging name, one part.
    await runner.run('btrfs', ['subvolume', 'snapshot', '-r', ds, join(folder, 'snapshot.taking')]);
    await runner.run('btrfs', ['subvolume', 'snapshot', '-r', join(ds, 'inner'), join(folder, 'nested', '0')]);
    assert.equal(await driver.snapshotExists(ds, 'staged'), false, 'an incomplete snapshot is not listed');
    assert.deepEqual(await driver.listSnapshots(ds), []);
    const actions = await driver.recover();
    assert.ok(actions.some((a) => a.detail.includes('incomplete snapshot staged')), JSON.stringify(actions));
    assert.deepEqual(await internalSubvolumes(pool.mountPoint), [], 'the staging snapshot and the part are gone');
    await driver.destroyDataset(ds);
  });
});
