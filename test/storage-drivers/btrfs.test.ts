import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BtrfsDriver } from '../../storage-drivers/btrfs/btrfs-driver.js';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { createBtrfsPool, type TestBtrfsPool } from '../support/btrfs-pool.js';
import { needs, programVersion } from '../support/components.js';
import { runDriverConformance } from './conformance.js';
import type { ConformanceFixture, FixtureOptions } from './fixture.js';

const runner = new ExecFileRunner();

async function btrfsFixture(options: FixtureOptions & { quotas?: boolean } = {}): Promise<ConformanceFixture & { pool: TestBtrfsPool }> {
  const pool = await createBtrfsPool({ ...(options.sizeMiB !== undefined ? { sizeMiB: options.sizeMiB } : {}), quotas: options.quotas ?? true });
  const driver = new BtrfsDriver({ poolPath: pool.mountPoint, runner });
  await driver.probe();
  let counter = 0;
  const datasetName = (name: string): string => join(pool.mountPoint, 'datasets', name);
  return {
    pool,
    driver,
    datasetName,
    async newDataset(name) {
      counter += 1;
      const dataset = datasetName(`${name}-${counter}`);
      await driver.createDataset(dataset);
      return dataset;
    },
    async nestDataset(dataset, relative) {
      await runner.run('btrfs', ['subvolume', 'create', join(dataset, relative)]);
    },
    driverWithRunner: (fake) => new BtrfsDriver({ poolPath: pool.mountPoint, runner: fake }),
    inventory: () => btrfsInventory(pool.mountPoint),
    teardown: () => pool.destroy(),
  };
}

/** Every subvolume of the filesystem and every folder of `.cowsnap` outside them. */
async function btrfsInventory(mountPoint: string): Promise<string[]> {
  const { stdout } = await runner.run('btrfs', ['subvolume', 'list', '-a', mountPoint]);
  const found = stdout.split('\n').filter((line) => line !== '').map((line) => `subvolume ${line.replace(/^ID \d+ gen \d+ /, '')}`);
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      found.push(`entry ${path}`);
      if (entry.isDirectory() && (await stat(path)).ino !== 256) await walk(path);
    }
  }
  await walk(join(mountPoint, '.cowsnap'));
  return found.sort();
}

describe(`btrfs driver (${programVersion('btrfs', ['--version'])})`, needs('btrfs'), () => {
  runDriverConformance('btrfs', (options) => btrfsFixture(options));

  describe('btrfs specifics', () => {
    let fx: ConformanceFixture & { pool: TestBtrfsPool };
    before(async () => {
      fx = await btrfsFixture();
    });
    after(() => fx.teardown());

    it('refuses to create a dataset inside another dataset', async () => {
      const ds = await fx.newDataset('nested');
      await assert.rejects(fx.driver.createDataset(join(ds, 'sub')), { code: 'unsupported', message: /cannot be nested/ });
      await fx.driver.destroyDataset(ds);
    });

    it('refuses to send a snapshot with nested subvolumes (one stream carries one subvolume)', async () => {
      const ds = await fx.newDataset('send-nested');
      await runner.run('btrfs', ['subvolume', 'create', join(ds, 'inner')]);
      await fx.driver.createSnapshot(ds, 'with-inner');
      await assert.rejects(fx.driver.send(ds, 'with-inner'), { code: 'unsupported', message: /nested subvolumes/ });
    });

    it('defect-10 recover() survives malformed restore-area names: skips and reports them, still recovers the rest', async () => {
      const ds = await fx.newDataset('crashy');
      await writeFile(join(ds, 'state'), 'snapshotted');
      await fx.driver.createSnapshot(ds, 'snap');
      await writeFile(join(ds, 'state'), 'changed');
      await assert.rejects(fx.driver.restoreSnapshot(ds, 'snap', { crashAfter: 'after-move-old' }), /simulated crash/);
      const area = join(fx.pool.mountPoint, '.cowsnap', 'restore');
      const malformed = [join(area, '%E0%A4%A'), join(area, '..%2F..%2Fescape')];
      for (const dir of malformed) await mkdir(join(dir, 'new'), { recursive: true });

      const actions = await fx.driver.recover();
      assert.deepEqual(
        actions.map((a) => [a.dataset, a.action]).sort(),
        [[ds, 'finished'], ...malformed.map((dir) => [dir, 'skipped'])].sort(),
      );
      assert.equal(await readFile(join(ds, 'state'), 'utf8'), 'snapshotted');
      for (const dir of malformed) assert.ok(await stat(join(dir, 'new')).then(() => true), `${dir} left as found`);
      await rm(area, { recursive: true, force: true });
      await fx.driver.destroyDataset(ds);
    });

    it('works on a subvolume it did not create (a Docker layer) and hides its own storage', async () => {
      const layer = join(fx.pool.mountPoint, 'docker/btrfs/subvolumes/0123abcd');
      await mkdir(join(fx.pool.mountPoint, 'docker/btrfs/subvolumes'), { recursive: true });
      await runner.run('btrfs', ['subvolume', 'create', layer]);
      await writeFile(join(layer, 'etc-hostname'), 'before');
      assert.equal(await fx.driver.datasetForPath(`${layer}/`), layer);
      assert.equal(await fx.driver.datasetForPath(fx.pool.mountPoint), undefined, 'the pool itself is no dataset');
      await fx.driver.createSnapshot(layer, 'snap');
      await writeFile(join(layer, 'etc-hostname'), 'after');
      await fx.driver.restoreSnapshot(layer, 'snap');
      assert.equal(await readFile(join(layer, 'etc-hostname'), 'utf8'), 'before');
      const datasets = await fx.driver.listDatasets();
      assert.ok(datasets.includes(layer));
      assert.ok(!datasets.some((d) => d.includes('.cowsnap')), `internals hidden: ${datasets.join(', ')}`);
      assert.equal(await fx.driver.datasetForPath(join(fx.pool.mountPoint, '.cowsnap/snapshots')), undefined);
    });

    it("restores a layer under a bind mount of the pool's own filesystem, as Docker sets up <data-root>/btrfs", async () => {
      const home = join(fx.pool.mountPoint, 'dockerish/btrfs');
      await mkdir(join(home, 'subvolumes'), { recursive: true });
      // dockerd's btrfs driver bind-mounts its home onto itself (mount --make-private): rename(2) cannot
      // cross that mount, so restore must keep its temporary items inside it.
      await runner.run('mount', ['--bind', home, home]);
      try {
        const layer = join(home, 'subvolumes/feedbeef');
        await runner.run('btrfs', ['subvolume', 'create', layer]);
        await writeFile(join(layer, 'state'), 'snapshotted');
        assert.equal(await fx.driver.datasetForPath(layer), layer);
        await fx.driver.createSnapshot(layer, 'snap');
        await writeFile(join(layer, 'state'), 'changed');
        await fx.driver.restoreSnapshot(layer, 'snap');
        assert.equal(await readFile(join(layer, 'state'), 'utf8'), 'snapshotted');

        await writeFile(join(layer, 'state'), 'changed again');
        await assert.rejects(fx.driver.restoreSnapshot(layer, 'snap', { crashAfter: 'after-move-old' }), /simulated crash/);
        assert.ok(!(await fx.driver.listDatasets()).some((d) => d.includes('.cowsnap')), 'restore area hidden');
        const actions = await fx.driver.recover();
        assert.deepEqual(actions.map((a) => [a.dataset, a.action]), [[layer, 'finished']]);
        assert.equal(await readFile(join(layer, 'state'), 'utf8'), 'snapshotted');
        await fx.driver.destroyDataset(layer);
      } finally {
        await runner.run('umount', [home]);
      }
    });

    it('keeps snapshots after the dataset is destroyed (snapshots outlive containers)', async () => {
      const ds = await fx.newDataset('outlive');
      await writeFile(join(ds, 'f'), 'x');
      await fx.driver.createSnapshot(ds, 'kept');
      await fx.driver.destroyDataset(ds);
      assert.deepEqual((await fx.driver.listSnapshots(ds)).map((s) => s.name), ['kept']);
      const copy = fx.datasetName('outlive-copy');
      await fx.driver.cloneSnapshot(ds, 'kept', copy);
      assert.equal(await readFile(join(copy, 'f'), 'utf8'), 'x');
    });

    it('reports renames as renames in a diff, and changes inside renamed folders under their new path, with types and sizes', async () => {
      const ds = await fx.newDataset('rename');
      await writeFile(join(ds, 'a.txt'), 'a');
      await mkdir(join(ds, 'dir/sub'), { recursive: true });
      await writeFile(join(ds, 'dir/sub/f'), 'x');
      await writeFile(join(ds, 'é ü.txt'), 'x');
      await fx.driver.createSnapshot(ds, 'one');
      await runner.run('mv', [join(ds, 'a.txt'), join(ds, 'b.txt')]);
      await runner.run('mv', [join(ds, 'dir'), join(ds, 'dir2')]);
      await writeFile(join(ds, 'dir2/sub/f'), 'changed');
      await writeFile(join(ds, 'dir2/new'), 'n');
      await runner.run('rm', [join(ds, 'é ü.txt')]);
      assert.deepEqual(await fx.driver.diff(ds, 'one'), [
        { path: '/b.txt', change: 'renamed', from: '/a.txt', type: 'file', sizeBefore: 1, sizeAfter: 1 },
        { path: '/dir2', change: 'renamed', from: '/dir', type: 'dir', sizeBefore: null, sizeAfter: null },
        { path: '/dir2/new', change: 'added', type: 'file', sizeBefore: null, sizeAfter: 1 },
        // Its size before is read under the folder's old name.
        { path: '/dir2/sub/f', change: 'modified', type: 'file', sizeBefore: 1, sizeAfter: 7 },
        { path: '/é ü.txt', change: 'deleted', type: 'file', sizeBefore: 1, sizeAfter: null },
      ]);
    });
  });

  describe('btrfs without quotas', () => {
    let fx: ConformanceFixture & { pool: TestBtrfsPool };
    before(async () => {
      fx = await btrfsFixture({ quotas: false });
    });
    after(() => fx.teardown());

    it('reports exact usage once quotas are enabled on the filled pool (probe rescans)', async () => {
      const ds = await fx.newDataset('filled-before-quotas');
      await writeFile(join(ds, 'twenty.bin'), randomBytes(20 * 1024 * 1024));
      await runner.run('btrfs', ['quota', 'enable', fx.pool.mountPoint]);
      const driver = new BtrfsDriver({ poolPath: fx.pool.mountPoint, runner });
      assert.equal((await driver.probe()).capabilities.usageAccounting, true);
      const usage = await driver.datasetUsage(ds);
      assert.ok(usage.referencedBytes !== null && Math.abs(usage.referencedBytes - 20 * 1024 * 1024) < 1024 * 1024, `referenced ${usage.referencedBytes}`);
      await runner.run('btrfs', ['quota', 'disable', fx.pool.mountPoint]);
    });

    it('reports usage as unknown (null) and says so in its capabilities', async () => {
      assert.equal(fx.driver.info().capabilities.usageAccounting, false);
      const ds = await fx.newDataset('noquota');
      await fx.driver.createSnapshot(ds, 's');
      assert.deepEqual(await fx.driver.snapshotUsage(ds, 's'), { exclusiveBytes: null, referencedBytes: null });
    });
  });
});
