import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { ZfsDriver } from '../../storage-drivers/zfs/zfs-driver.js';
import { needs } from '../support/components.js';
import { createZfsPool, type TestZfsPool } from '../support/zfs-pool.js';
import { runDriverConformance } from './conformance.js';
import type { ConformanceFixture, FixtureOptions } from './fixture.js';
import { treeHash } from '../support/tree-digest.js';

const runner = new ExecFileRunner();

type ZfsFixture = ConformanceFixture & { pool: TestZfsPool; root: string };

/** A zfs-fuse pool on a file, with the driver's root dataset one level down (`<pool>/cowsnap`). */
async function zfsFixture(options: FixtureOptions = {}): Promise<ZfsFixture> {
  const pool = await createZfsPool(options.sizeMiB !== undefined ? { sizeMiB: options.sizeMiB } : {});
  const root = `${pool.name}/cowsnap`;
  await runner.run('zfs', ['create', root]);
  const driver = new ZfsDriver({ rootDataset: root, runner });
  await driver.probe();
  let counter = 0;
  const datasetName = (name: string): string => `${root}/${name}`;
  return {
    pool,
    root,
    driver,
    datasetName,
    async newDataset(name) {
      counter += 1;
      const dataset = datasetName(`${name}-${counter}`);
      await driver.createDataset(dataset);
      return dataset;
    },
    async nestDataset(dataset, relative) {
      await runner.run('zfs', ['create', `${dataset}/${relative}`]);
    },
    driverWithRunner: (fake) => new ZfsDriver({ rootDataset: root, runner: fake }),
    inventory: () => zfsNames(pool.name, 'all'),
    teardown: () => pool.destroy(),
  };
}

async function zfsNames(root: string, type: string): Promise<string[]> {
  const out = (await runner.run('zfs', ['list', '-H', '-o', 'name', '-t', type, '-r', root])).stdout;
  return out.split('\n').filter((line) => line !== '');
}

describe('zfs driver (zfs-fuse)', needs('zfs'), () => {
  runDriverConformance('zfs', (options) => zfsFixture(options));

  describe('zfs specifics', () => {
    let fx: ZfsFixture;
    before(async () => {
      fx = await zfsFixture();
    });
    after(() => fx.teardown());

    it('probes the dialect by trying it and reports it', (t) => {
      const info = fx.driver.info();
      t.diagnostic(`probe: ${info.version}; capabilities ${JSON.stringify(info.capabilities)}`);
      assert.equal(info.name, 'zfs');
      assert.equal(info.pool, fx.root);
      assert.equal(info.capabilities.restoreAnySnapshot, true);
      assert.equal(info.capabilities.deferredDestroy, true);
      // zfs-fuse has no `zfs diff`; OpenZFS has.
      assert.equal(info.capabilities.diff, /zfs-fuse/.test(info.version) ? 'tree-compare' : 'native');
      assert.match(info.version, /pool v/);
    });

    it('restores back and forth many times; every snapshot stays restorable, clonable and deletable', async () => {
      const ds = await fx.newDataset('pingpong');
      const root = await fx.driver.mountPath(ds);
      const digests = new Map<string, string>();
      for (const name of ['a', 'b', 'c']) {
        await writeFile(join(root, `${name}.bin`), randomBytes(200_000));
        await writeFile(join(root, 'which.txt'), name);
        digests.set(name, await treeHash(root));
        await fx.driver.createSnapshot(ds, name);
      }
      for (const target of ['a', 'c', 'b', 'a', 'b', 'c', 'a']) {
        await fx.driver.restoreSnapshot(ds, target);
        assert.equal(await treeHash(await fx.driver.mountPath(ds)), digests.get(target), `content of ${target}`);
        await writeFile(join(await fx.driver.mountPath(ds), 'scratch.txt'), `written after restoring ${target}`);
      }
      // A snapshot taken on a restored dataset is one more snapshot of the same dataset.
      await fx.driver.createSnapshot(ds, 'd');
      assert.deepEqual((await fx.driver.listSnapshots(ds)).map((s) => s.name), ['a', 'b', 'c', 'd']);
      const clone = fx.datasetName('pingpong-clone');
      await fx.driver.cloneSnapshot(ds, 'b', clone);
      assert.equal(await readFile(join(await fx.driver.mountPath(clone), 'which.txt'), 'utf8'), 'b');
      assert.ok(!(await fx.driver.listDatasets()).some((name) => name.includes('cowsnap-internal')), 'internals hidden');

      for (const name of ['a', 'b', 'c', 'd']) await fx.driver.destroySnapshot(ds, name);
      assert.deepEqual(await fx.driver.listSnapshots(ds), []);
      assert.equal(await readFile(join(await fx.driver.mountPath(clone), 'which.txt'), 'utf8'), 'b', 'the clone is untouched');
      await fx.driver.destroyDataset(clone);
      const left = await zfsNames(`${fx.root}/cowsnap-internal`, 'filesystem,snapshot');
      assert.deepEqual(left, [`${fx.root}/cowsnap-internal`], 'every lineage and deleted snapshot was freed');
      assert.deepEqual(await zfsNames(ds, 'snapshot'), [], 'no hidden snapshot left on the dataset');
      assert.equal(await readFile(join(await fx.driver.mountPath(ds), 'which.txt'), 'utf8'), 'a', 'the live content is the last restore');
    });

    it('frees a deleted snapshot that a clone needed once the clone goes', async () => {
      const ds = await fx.newDataset('deferred');
      await writeFile(join(await fx.driver.mountPath(ds), 'big.bin'), randomBytes(4 * 1024 * 1024));
      await fx.driver.createSnapshot(ds, 'base');
      const clone = fx.datasetName('deferred-clone');
      await fx.driver.cloneSnapshot(ds, 'base', clone);
      await fx.driver.destroySnapshot(ds, 'base');
      assert.deepEqual(await fx.driver.listSnapshots(ds), []);
      assert.equal((await zfsNames(ds, 'snapshot')).length, 1, 'kept, hidden, while the clone needs it');
      await fx.driver.createSnapshot(ds, 'base');
      assert.deepEqual((await fx.driver.listSnapshots(ds)).map((s) => s.name), ['base'], 'the name can be used again');
      await fx.driver.destroyDataset(clone);
      assert.deepEqual(await zfsNames(ds, 'snapshot'), [`${ds}@base`], 'the deleted one is gone with its clone');
    });

    it('frees the discarded state of a restore, and a deleted snapshot of an old lineage', async (t) => {
      const MiB = 1024 * 1024;
      const ds = await fx.newDataset('space');
      await writeFile(join(await fx.driver.mountPath(ds), 'small.txt'), 'small');
      await fx.driver.createSnapshot(ds, 'small');
      await writeFile(join(await fx.driver.mountPath(ds), 'kept.bin'), randomBytes(20 * MiB));
      await fx.driver.createSnapshot(ds, 'big');
      await writeFile(join(await fx.driver.mountPath(ds), 'discarded.bin'), randomBytes(20 * MiB));
      await fx.driver.restoreSnapshot(ds, 'small');
      const afterRestore = (await fx.driver.datasetUsage(ds)).exclusiveBytes ?? Infinity;
      await fx.driver.destroySnapshot(ds, 'big');
      const afterDelete = (await fx.driver.datasetUsage(ds)).exclusiveBytes ?? Infinity;
      t.diagnostic(`exclusive bytes: ${afterRestore} after restore (snapshot big kept), ${afterDelete} after deleting big`);
      assert.ok(afterRestore > 18 * MiB && afterRestore < 25 * MiB, 'only the kept snapshot, not the discarded live state');
      assert.ok(afterDelete < 3 * MiB, 'the deleted snapshot is freed too');
    });

    it('keeps snapshots after the dataset is destroyed, and restores across a destroy-recreate', async () => {
      const ds = await fx.newDataset('outlive');
      await writeFile(join(await fx.driver.mountPath(ds), 'f'), 'x');
      await fx.driver.createSnapshot(ds, 'kept');
      await fx.driver.destroyDataset(ds);
      assert.equal(await fx.driver.datasetExists(ds), false);
      assert.deepEqual((await fx.driver.listSnapshots(ds)).map((s) => s.name), ['kept']);
      const copy = fx.datasetName('outlive-copy');
      await fx.driver.cloneSnapshot(ds, 'kept', copy);
      assert.equal(await readFile(join(await fx.driver.mountPath(copy), 'f'), 'utf8'), 'x');
      await fx.driver.createDataset(ds);
      await fx.driver.restoreSnapshot(ds, 'kept');
      assert.equal(await readFile(join(await fx.driver.mountPath(ds), 'f'), 'utf8'), 'x');
    });

    it('diffs snapshots that sit in different restore lineages', async () => {
      const ds = await fx.newDataset('lineage-diff');
      const root = await fx.driver.mountPath(ds);
      await writeFile(join(root, 'one.txt'), '1');
      await fx.driver.createSnapshot(ds, 'first');
      await fx.driver.restoreSnapshot(ds, 'first');
      await writeFile(join(await fx.driver.mountPath(ds), 'two.txt'), '2');
      await rm(join(await fx.driver.mountPath(ds), 'one.txt'));
      await fx.driver.createSnapshot(ds, 'second');
      assert.deepEqual(await fx.driver.diff(ds, 'first', 'second'), [
        { path: '/one.txt', change: 'deleted', type: 'file', sizeBefore: 1, sizeAfter: null },
        { path: '/two.txt', change: 'added', type: 'file', sizeBefore: null, sizeAfter: 1 },
      ]);
      assert.deepEqual(await fx.driver.recover(), []);
    });

    it('refuses to snapshot, restore or destroy a dataset with a nested dataset instead of losing it', async () => {
      const ds = await fx.newDataset('nested');
      await fx.driver.createSnapshot(ds, 'flat');
      await runner.run('zfs', ['create', `${ds}/inner`]);
      await writeFile(join(await fx.driver.mountPath(`${ds}/inner`), 'precious.txt'), 'would be lost');
      await assert.rejects(fx.driver.createSnapshot(ds, 'with-inner'), { code: 'nested_datasets', relativePaths: ['inner'] });
      assert.equal(await fx.driver.snapshotExists(ds, 'with-inner'), false);
      await assert.rejects(fx.driver.restoreSnapshot(ds, 'flat'), { code: 'nested_datasets', relativePaths: ['inner'] });
      await assert.rejects(fx.driver.destroyDataset(ds), { code: 'nested_datasets', relativePaths: ['inner'] });
      assert.equal(await readFile(join(await fx.driver.mountPath(`${ds}/inner`), 'precious.txt'), 'utf8'), 'would be lost');
    });

    it('refuses to restore a dataset in use with BusyError and changes nothing', async () => {
      const ds = await fx.newDataset('in-use');
      const root = await fx.driver.mountPath(ds);
      await writeFile(join(root, 'state.txt'), 'old');
      await fx.driver.createSnapshot(ds, 'old');
      await writeFile(join(root, 'state.txt'), 'current');
      const handle = await open(join(root, 'state.txt'), 'r');
      try {
        await assert.rejects(fx.driver.restoreSnapshot(ds, 'old'), { code: 'busy' });
      } finally {
        await handle.close();
      }
      assert.equal(await readFile(join(await fx.driver.mountPath(ds), 'state.txt'), 'utf8'), 'current');
      assert.deepEqual((await fx.driver.listSnapshots(ds)).map((s) => s.name), ['old']);
      assert.deepEqual(await fx.driver.recover(), [], 'nothing half done');
      await fx.driver.restoreSnapshot(ds, 'old');
      assert.equal(await readFile(join(await fx.driver.mountPath(ds), 'state.txt'), 'utf8'), 'old');
    });

    it('maps the path of a dataset to its name and nothing else', async () => {
      const ds = await fx.newDataset('paths');
      assert.equal(await fx.driver.datasetForPath(`${await fx.driver.mountPath(ds)}/`), ds);
      assert.equal(await fx.driver.datasetForPath(fx.pool.mountPoint), undefined, 'the pool is no dataset');
      await assert.rejects(fx.driver.createDataset(`${fx.root}/cowsnap-internal/x`), { code: 'invalid_name' });
    });
  });
});
