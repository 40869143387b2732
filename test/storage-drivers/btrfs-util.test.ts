import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BtrfsCommands } from '../../storage-drivers/btrfs/btrfs-commands.js';
import { BtrfsDriver } from '../../storage-drivers/btrfs/btrfs-driver.js';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { AlreadyExistsError, NoSpaceError, NotFoundError } from '../../storage-drivers/common/errors.js';
import { createBtrfsPool, type TestBtrfsPool } from '../support/btrfs-pool.js';
import { needs } from '../support/components.js';
import { treeHash } from '../support/tree-digest.js';

const runner = new ExecFileRunner();

async function subvolume(path: string): Promise<void> {
  await runner.run('btrfs', ['subvolume', 'create', path]);
}

async function readOnly(path: string): Promise<string> {
  return (await runner.run('btrfs', ['property', 'get', '-ts', path, 'ro'])).stdout.trim();
}

/** The btrfs calls that go through libbtrfsutil (btrfs-util.ts) instead of the CLI, on a real pool. */
describe('btrfs through libbtrfsutil', needs('btrfs'), () => {
  let pool: TestBtrfsPool;
  let btrfs: BtrfsCommands;
  let driver: BtrfsDriver;
  before(async () => {
    pool = await createBtrfsPool({ sizeMiB: 256 });
    btrfs = new BtrfsCommands(runner);
    driver = new BtrfsDriver({ poolPath: pool.mountPoint, runner });
    await driver.probe();
  });
  after(() => pool.destroy());

  it('takes a read-only snapshot with the same bytes, and a writable one', async () => {
    const ds = join(pool.mountPoint, 'content');
    await driver.createDataset(ds);
    await mkdir(join(ds, 'dir'));
    await writeFile(join(ds, 'dir', 'file'), Buffer.alloc(3 * 1024 * 1024, 7));
    await writeFile(join(ds, 'small'), 'hello');
    await driver.createSnapshot(ds, 'one');
    const snapshot = join(pool.mountPoint, '.cowsnap', 'snapshots', 'content', 'one', 'snapshot');
    assert.equal(await readOnly(snapshot), 'ro=true');
    assert.equal(await treeHash(snapshot), await treeHash(ds));
    await assert.rejects(writeFile(join(snapshot, 'small'), 'changed'), { code: 'EROFS' });
    const copy = join(pool.mountPoint, 'copy');
    await driver.cloneSnapshot(ds, 'one', copy);
    assert.equal(await readOnly(copy), 'ro=false');
    await writeFile(join(copy, 'small'), 'changed');
    assert.equal(await treeHash(snapshot), await treeHash(ds), 'the snapshot did not change with its copy');
  });

  it("reads a snapshot's qgroup numbers as `btrfs qgroup show` prints them", async () => {
    const ds = join(pool.mountPoint, 'sized');
    await driver.createDataset(ds);
    await writeFile(join(ds, 'f'), Buffer.alloc(2 * 1024 * 1024, 3));
    await driver.createSnapshot(ds, 's');
    // Rewritten in the dataset: the old 2 MiB now belong to the snapshot alone.
    await writeFile(join(ds, 'f'), Buffer.alloc(2 * 1024 * 1024, 4));
    const usage = await driver.snapshotUsage(ds, 's');
    const snapshot = join(pool.mountPoint, '.cowsnap', 'snapshots', 'sized', 's', 'snapshot');
    const id = await btrfs.rootId(snapshot);
    const shown = (await runner.run('btrfs', ['qgroup', 'show', '--raw', snapshot])).stdout;
    const line = shown.split('\n').find((l) => l.trim().startsWith(`0/${String(id)} `));
    const [, referenced, exclusive] = (line ?? '').trim().split(/\s+/);
    assert.deepEqual(usage, { referencedBytes: Number(referenced), exclusiveBytes: Number(exclusive) }, shown);
    assert.ok(Number(exclusive) >= 2 * 1024 * 1024, `exclusive ${String(exclusive)}`);
  });

  it('finds nested subvolumes at any depth by their kernel ids, a name with a newline included', async () => {
    const ds = join(pool.mountPoint, 'nesting');
    await driver.createDataset(ds);
    await subvolume(join(ds, 'a'));
    await mkdir(join(ds, 'a', 'folder'));
    await subvolume(join(ds, 'a', 'folder', 'b'));
    // Reads as a second line of `btrfs subvolume list` naming the pool's top level.
    const planted = 'x\nID 5 gen 1 top level 5 path ..';
    await subvolume(join(ds, planted));
    await subvolume(join(pool.mountPoint, 'elsewhere'));
    const found = await btrfs.subvolumesBelow(ds);
    const ids = new Map(await Promise.all(['a', 'a/folder/b', planted].map(async (p) => [p, await btrfs.rootId(join(ds, p))] as const)));
    assert.deepEqual(
      [...found].sort((x, y) => x.path.localeCompare(y.path)),
      [...ids].map(([path, id]) => ({ id, path })).sort((x, y) => x.path.localeCompare(y.path)),
    );
    // The snapshot takes each of them as a part, and a copy puts them back with their content.
    await writeFile(join(ds, 'a', 'folder', 'b', 'deep'), 'deep');
    await writeFile(join(ds, planted, 'f'), 'planted');
    await driver.createSnapshot(ds, 'n');
    await driver.cloneSnapshot(ds, 'n', join(pool.mountPoint, 'nesting-copy'));
    assert.equal(await treeHash(join(pool.mountPoint, 'nesting-copy')), await treeHash(ds));
    assert.deepEqual((await btrfs.subvolumesBelow(join(pool.mountPoint, 'nesting-copy'))).map((s) => s.path).sort(), [
      'a',
      'a/folder/b',
      planted,
    ].sort());
  });

  it('answers a missing source with NotFound and an existing target with AlreadyExists', async () => {
    const ds = join(pool.mountPoint, 'errors');
    await driver.createDataset(ds);
    await assert.rejects(btrfs.snapshot(join(pool.mountPoint, 'missing'), join(pool.mountPoint, 'target'), true), NotFoundError);
    await btrfs.snapshot(ds, join(pool.mountPoint, 'taken'), true);
    await assert.rejects(btrfs.snapshot(ds, join(pool.mountPoint, 'taken'), true), AlreadyExistsError);
    await assert.rejects(btrfs.rootId(join(pool.mountPoint, 'missing')), NotFoundError);
  });

  it('answers a snapshot over the quota with NoSpace', async () => {
    const ds = join(pool.mountPoint, 'quota', 'full');
    await driver.createDataset(ds);
    await writeFile(join(ds, 'f'), Buffer.alloc(4 * 1024 * 1024, 1));
    // The snapshot's new tree is charged to the subvolume that holds its folder: a full one refuses it.
    const holder = join(pool.mountPoint, 'quota', 'holder');
    await subvolume(holder);
    await writeFile(join(holder, 'fill'), Buffer.alloc(2 * 1024 * 1024, 1));
    await runner.run('btrfs', ['filesystem', 'sync', holder]);
    await runner.run('btrfs', ['qgroup', 'limit', '1M', holder]);
    await assert.rejects(btrfs.snapshot(ds, join(holder, 'snap'), true), NoSpaceError);
  });
});
