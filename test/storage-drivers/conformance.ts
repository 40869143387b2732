import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TooManyChangesError } from '../../storage-drivers/common/errors.js';
import { runCrashAndLimitsConformance } from './conformance-limits.js';
import { runReplicationConformance } from './conformance-replication.js';
import type { ConformanceFixture, ConformanceSetup } from './fixture.js';
import { treeHash } from '../support/tree-digest.js';

export type { ConformanceFixture, ConformanceSetup } from './fixture.js';

const MiB = 1024 * 1024;

/**
 * The storage driver contract as every driver must honour it, on a real pool. Content is read only through
 * mountPath() of datasets and clones, never through driver-specific paths, so btrfs and ZFS run the same checks.
 */
export function runDriverConformance(label: string, setup: ConformanceSetup): void {
  describe(`driver conformance: ${label}`, () => {
    let fx: ConformanceFixture;
    before(async () => {
      fx = await setup({});
    });
    after(() => fx.teardown());

    /** Reads a snapshot as a user would: through a fresh clone, which is then removed. */
    async function snapshotDigest(dataset: string, name: string): Promise<string> {
      const clone = fx.datasetName(`read-${randomBytes(4).toString('hex')}`);
      await fx.driver.cloneSnapshot(dataset, name, clone);
      try {
        return await treeHash(await fx.driver.mountPath(clone));
      } finally {
        await fx.driver.destroyDataset(clone);
      }
    }

    it('creates, finds, lists and destroys datasets', async () => {
      const ds = await fx.newDataset('lifecycle');
      assert.equal(await fx.driver.datasetExists(ds), true);
      assert.ok((await fx.driver.listDatasets()).includes(ds), 'listDatasets() includes the new dataset');
      const root = await fx.driver.mountPath(ds);
      assert.equal(await fx.driver.datasetForPath(root), ds);
      await mkdir(join(root, 'plain'));
      assert.equal(await fx.driver.datasetForPath(join(root, 'plain')), undefined, 'a plain folder is no dataset');
      await assert.rejects(fx.driver.createDataset(ds), { code: 'already_exists' });
      await fx.driver.destroyDataset(ds);
      assert.equal(await fx.driver.datasetExists(ds), false);
      assert.ok(!(await fx.driver.listDatasets()).includes(ds));
      await assert.rejects(fx.driver.destroyDataset(ds), { code: 'not_found' });

      const other = await fx.newDataset('with-snapshot');
      const before = await fx.driver.listDatasets();
      await fx.driver.createSnapshot(other, 'only');
      assert.deepEqual(await fx.driver.listDatasets(), before, 'a snapshot is not listed as a dataset');
    });

    it('captures datasets nested in a dataset with it, or refuses them naming their paths inside the dataset', async () => {
      const ds = await fx.newDataset('nested');
      const root = await fx.driver.mountPath(ds);
      await writeFile(join(root, 'top.txt'), 'top');
      await fx.nestDataset(ds, 'inner');
      await writeFile(join(root, 'inner', 'precious.txt'), 'nested content');
      await fx.nestDataset(ds, 'inner/child');
      await writeFile(join(root, 'inner', 'child', 'deeper.txt'), 'nested twice');
      if (!fx.driver.info().capabilities.nestedDatasets) {
        await assert.rejects(fx.driver.createSnapshot(ds, 'with-nested'), { code: 'nested_datasets', relativePaths: ['inner'] });
        assert.equal(await fx.driver.snapshotExists(ds, 'with-nested'), false);
        return;
      }
      const before = await treeHash(root);
      await fx.driver.createSnapshot(ds, 'with-nested');
      await writeFile(join(root, 'inner', 'precious.txt'), 'changed after the snapshot');
      await writeFile(join(root, 'inner', 'child', 'new.txt'), 'added after the snapshot');
      await rm(join(root, 'top.txt'));
      assert.equal(await snapshotDigest(ds, 'with-nested'), before, 'a copy holds the nested content as it was');

      await fx.driver.restoreSnapshot(ds, 'with-nested');
      assert.equal(await treeHash(root), before, 'restore brings back the nested content byte for byte');
      for (const nested of ['inner', 'inner/child']) {
        assert.notEqual(await fx.driver.datasetForPath(join(root, nested)), undefined, `${nested} is a nested dataset again`);
      }
      const copy = fx.datasetName(`nested-copy-${randomBytes(4).toString('hex')}`);
      await fx.driver.cloneSnapshot(ds, 'with-nested', copy);
      const copyRoot = await fx.driver.mountPath(copy);
      assert.notEqual(await fx.driver.datasetForPath(join(copyRoot, 'inner/child')), undefined, 'a copy has them as datasets too');
      await writeFile(join(copyRoot, 'inner', 'precious.txt'), 'the copy is independent');
      assert.equal(await readFile(join(root, 'inner', 'precious.txt'), 'utf8'), 'nested content');

      await fx.driver.destroySnapshot(ds, 'with-nested');
      assert.equal(await fx.driver.snapshotExists(ds, 'with-nested'), false);
      assert.equal(await treeHash(root), before, 'destroying the snapshot leaves the dataset alone');
      await fx.driver.destroyDataset(copy);
      await fx.driver.destroyDataset(ds);
      assert.equal(await fx.driver.datasetExists(ds), false, 'destroy removes nested datasets too');
    });

    it("keeps a snapshot's content frozen while the dataset changes", async () => {
      const ds = await fx.newDataset('frozen');
      const root = await fx.driver.mountPath(ds);
      await writeFile(join(root, 'keep.txt'), 'unchanged');
      await writeFile(join(root, 'change.txt'), 'version 1');
      await writeFile(join(root, 'delete.txt'), 'doomed');
      await mkdir(join(root, 'tree/deep'), { recursive: true });
      await writeFile(join(root, 'tree/deep/leaf.bin'), randomBytes(100_000));
      const before = await treeHash(root);
      const info = await fx.driver.createSnapshot(ds, 's1');
      assert.equal(info.name, 's1');
      assert.ok(Math.abs(info.createdAt.getTime() - Date.now()) < 60_000, `createdAt ${info.createdAt.toISOString()} is now`);

      await writeFile(join(root, 'added.txt'), 'new');
      await writeFile(join(root, 'change.txt'), 'version 2');
      await rm(join(root, 'delete.txt'));
      await rm(join(root, 'tree'), { recursive: true });
      await mkdir(join(root, 'tree'));
      await writeFile(join(root, 'tree/other.txt'), 'replacement');
      assert.notEqual(await treeHash(root), before);

      assert.equal(await snapshotDigest(ds, 's1'), before);
      assert.equal(await readFile(join(root, 'change.txt'), 'utf8'), 'version 2', 'the live dataset kept its changes');
      assert.deepEqual((await fx.driver.listSnapshots(ds)).map((s) => s.name), ['s1']);
      assert.equal(await fx.driver.snapshotExists(ds, 's1'), true);
      assert.equal(await fx.driver.snapshotExists(ds, 's2'), false);
      await assert.rejects(fx.driver.createSnapshot(ds, 's1'), { code: 'already_exists' });
      await assert.rejects(fx.driver.createSnapshot(fx.datasetName('missing'), 's1'), { code: 'not_found' });
    });

    it('restores to any snapshot and keeps every snapshot, newer ones included', async () => {
      const ds = await fx.newDataset('restore');
      const root = await fx.driver.mountPath(ds);
      const digests: string[] = [];
      for (const n of [1, 2, 3]) {
        await writeFile(join(root, `file${n}.bin`), randomBytes(n * 64 * 1024));
        await writeFile(join(root, 'common.txt'), `state ${n}`);
        if (n === 3) await rm(join(root, 'file1.bin'));
        digests.push(await treeHash(root));
        await fx.driver.createSnapshot(ds, `s${n}`);
      }
      await writeFile(join(root, 'after.txt'), 'written after s3');

      await fx.driver.restoreSnapshot(ds, 's1');
      const restoredRoot = await fx.driver.mountPath(ds);
      assert.equal(await treeHash(restoredRoot), digests[0], 'content equals s1 byte for byte');
      assert.deepEqual((await fx.driver.listSnapshots(ds)).map((s) => s.name), ['s1', 's2', 's3']);
      await writeFile(join(restoredRoot, 'scribble.txt'), 'the restored dataset is writable');

      await fx.driver.restoreSnapshot(ds, 's3');
      assert.equal(await treeHash(await fx.driver.mountPath(ds)), digests[2], 'content equals s3 byte for byte');
      assert.equal(await snapshotDigest(ds, 's2'), digests[1], 's2 is intact');
      assert.deepEqual((await fx.driver.listSnapshots(ds)).map((s) => s.name), ['s1', 's2', 's3']);
      await assert.rejects(fx.driver.restoreSnapshot(ds, 'nope'), { code: 'not_found' });
      assert.deepEqual(await fx.driver.recover(), [], 'a completed restore leaves nothing to recover');
    });

    it('names a dataset the same until a restore swaps it (what start-up recovery compares)', async () => {
      const ds = await fx.newDataset('identity');
      const before = await fx.driver.datasetIdentity(ds);
      await writeFile(join(await fx.driver.mountPath(ds), 'a.txt'), 'a');
      await fx.driver.createSnapshot(ds, 's1');
      assert.equal(await fx.driver.datasetIdentity(ds), before, 'writes and snapshots keep the identity');
      await fx.driver.restoreSnapshot(ds, 's1');
      const restored = await fx.driver.datasetIdentity(ds);
      assert.notEqual(restored, before, 'a restore puts a new incarnation in place');
      await fx.driver.restoreSnapshot(ds, 's1');
      assert.notEqual(await fx.driver.datasetIdentity(ds), restored, 'every restore does');
      await assert.rejects(fx.driver.datasetIdentity(fx.datasetName('missing')), { code: 'not_found' });
    });

    it('makes clones that are independent both ways', async () => {
      const ds = await fx.newDataset('origin');
      const root = await fx.driver.mountPath(ds);
      await writeFile(join(root, 'shared.txt'), 'original');
      await fx.driver.createSnapshot(ds, 'base');
      const clone = fx.datasetName('clone-independent');
      await fx.driver.cloneSnapshot(ds, 'base', clone);
      const cloneRoot = await fx.driver.mountPath(clone);
      assert.equal(await readFile(join(cloneRoot, 'shared.txt'), 'utf8'), 'original');

      await writeFile(join(cloneRoot, 'shared.txt'), 'changed in clone');
      await writeFile(join(cloneRoot, 'clone-only.txt'), 'x');
      await writeFile(join(root, 'shared.txt'), 'changed in origin');
      assert.equal(await readFile(join(root, 'shared.txt'), 'utf8'), 'changed in origin');
      assert.equal(await readFile(join(cloneRoot, 'shared.txt'), 'utf8'), 'changed in clone');
      await assert.rejects(readFile(join(root, 'clone-only.txt')), { code: 'ENOENT' });
      await assert.rejects(fx.driver.cloneSnapshot(ds, 'base', clone), { code: 'already_exists' });

      await fx.driver.destroySnapshot(ds, 'base');
      assert.equal(await readFile(join(cloneRoot, 'shared.txt'), 'utf8'), 'changed in clone', 'clone outlives its snapshot');
    });

    it('deletes a snapshot that a clone depends on; the clone still reads correctly', async () => {
      const ds = await fx.newDataset('dependent');
      const root = await fx.driver.mountPath(ds);
      const payload = randomBytes(2 * MiB);
      await writeFile(join(root, 'data.bin'), payload);
      await fx.driver.createSnapshot(ds, 'parent');
      await fx.driver.createSnapshot(ds, 'other');
      const clone = fx.datasetName('clone-of-deleted');
      await fx.driver.cloneSnapshot(ds, 'parent', clone);

      await fx.driver.destroySnapshot(ds, 'parent');
      assert.deepEqual((await fx.driver.listSnapshots(ds)).map((s) => s.name), ['other']);
      assert.equal(await fx.driver.snapshotExists(ds, 'parent'), false);
      assert.deepEqual(await readFile(join(await fx.driver.mountPath(clone), 'data.bin')), payload);
      await assert.rejects(fx.driver.destroySnapshot(ds, 'parent'), { code: 'not_found' });
      await fx.driver.destroyDataset(clone);
    });

    it("accounts a snapshot's exclusive bytes: deleting 50 MiB it holds makes it own them", async (t) => {
      if (!fx.driver.info().capabilities.usageAccounting) {
        t.skip('driver reports no usage accounting on this pool');
        return;
      }
      const ds = await fx.newDataset('usage');
      const root = await fx.driver.mountPath(ds);
      await writeFile(join(root, 'fifty.bin'), randomBytes(50 * MiB));
      await fx.driver.createSnapshot(ds, 'holder');
      const shared = await fx.driver.snapshotUsage(ds, 'holder');
      // Right after the snapshot everything is shared with the live dataset: deleting it would free ~nothing.
      assert.ok(shared.exclusiveBytes !== null && shared.exclusiveBytes < 5 * MiB, `exclusive while shared: ${shared.exclusiveBytes}`);
      assert.ok(shared.referencedBytes !== null && shared.referencedBytes >= 50 * MiB, `referenced: ${shared.referencedBytes}`);

      await rm(join(root, 'fifty.bin'));
      const owned = await fx.driver.snapshotUsage(ds, 'holder');
      assert.ok(owned.exclusiveBytes !== null);
      const growth = owned.exclusiveBytes - shared.exclusiveBytes;
      t.diagnostic(`exclusive bytes: ${shared.exclusiveBytes} while shared, ${owned.exclusiveBytes} after the live copy was deleted`);
      assert.ok(Math.abs(growth - 50 * MiB) <= 5 * MiB, `exclusive grew by ${growth} bytes, expected 50 MiB ± 10%`);
      const live = await fx.driver.datasetUsage(ds);
      assert.ok(live.referencedBytes !== null && live.referencedBytes < 5 * MiB, `live dataset now refers to ${live.referencedBytes}`);
      const space = await fx.driver.poolSpace();
      assert.ok(space.totalBytes > 0 && space.freeBytes <= space.totalBytes && space.usedBytes > 50 * MiB);
    });

    it('lists what changed between snapshots and against the live dataset', async (t) => {
      if (fx.driver.info().capabilities.diff === 'none') {
        t.skip('driver has no diff');
        return;
      }
      const ds = await fx.newDataset('diff');
      const root = await fx.driver.mountPath(ds);
      await writeFile(join(root, 'modify.txt'), 'one');
      await writeFile(join(root, 'delete.txt'), 'gone soon');
      await writeFile(join(root, 'move.txt'), 'moving');
      await fx.driver.createSnapshot(ds, 'a');
      await writeFile(join(root, 'modify.txt'), 'two, longer');
      await rm(join(root, 'delete.txt'));
      await writeFile(join(root, 'new file.txt'), 'hello');
      await rename(join(root, 'move.txt'), join(root, 'moved.txt'));

      for (const to of [undefined, 'b'] as const) {
        if (to !== undefined) await fx.driver.createSnapshot(ds, to);
        const entries = await fx.driver.diff(ds, 'a', to);
        const byPath = new Map(entries.map((e) => [e.path, e]));
        assert.equal(byPath.get('/modify.txt')?.change, 'modified', JSON.stringify(entries));
        assert.equal(byPath.get('/delete.txt')?.change, 'deleted', JSON.stringify(entries));
        assert.equal(byPath.get('/new file.txt')?.change, 'added', JSON.stringify(entries));
        const moved = byPath.get('/moved.txt');
        const renamed = moved?.change === 'renamed' && moved.from === '/move.txt';
        const asPair = moved?.change === 'added' && byPath.get('/move.txt')?.change === 'deleted';
        assert.ok(renamed || asPair, `rename reported: ${JSON.stringify(entries)}`);
      }
      assert.deepEqual(await fx.driver.diff(ds, 'b', undefined), [], 'no change since b');
      assert.deepEqual(await fx.driver.recover(), [], 'diff against live left no temporary snapshot');
    });

    it('stops a diff with more changed paths than its caller allows (TooManyChangesError), at both ends', async (t) => {
      if (fx.driver.info().capabilities.diff === 'none') {
        t.skip('driver has no diff');
        return;
      }
      const ds = await fx.newDataset('diff-limit');
      const root = await fx.driver.mountPath(ds);
      await fx.driver.createSnapshot(ds, 'empty');
      for (let i = 0; i < 40; i += 1) await writeFile(join(root, `f${String(i)}`), String(i));
      await fx.driver.createSnapshot(ds, 'forty');
      for (const to of ['forty', undefined] as const) {
        await assert.rejects(fx.driver.diff(ds, 'empty', to, { maxEntries: 25 }), (error: unknown) => error instanceof TooManyChangesError && error.limit === 25);
        assert.equal((await fx.driver.diff(ds, 'empty', to, { maxEntries: 40 })).length, 40, 'exactly the limit is listed');
      }
      assert.deepEqual(await fx.driver.recover(), [], 'a stopped diff against live left no temporary snapshot');
    });
  });

  runCrashAndLimitsConformance(label, setup);
  runReplicationConformance(label, setup);
}
