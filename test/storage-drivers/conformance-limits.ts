import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { RestoreStep, StorageDriver } from '../../storage-drivers/driver.js';
import type { ConformanceFixture, ConformanceSetup } from './fixture.js';
import { RecordingRunner } from './recording-runner.js';
import { treeHash } from '../support/tree-digest.js';

const MiB = 1024 * 1024;
const STEPS: readonly RestoreStep[] = ['after-prepare', 'after-move-old', 'after-move-new'];

/** The contract under stress: crashes inside restore, bad names, a full pool, thousands of snapshots. */
export function runCrashAndLimitsConformance(label: string, setup: ConformanceSetup): void {
  describe(`driver conformance (crashes and limits): ${label}`, () => {
    let fx: ConformanceFixture;
    before(async () => {
      fx = await setup({});
    });
    after(() => fx.teardown());

    for (const step of STEPS) {
      it(`recovers a restore that crashed ${step}: dataset present, old or restored content, snapshots intact`, async () => {
        const ds = await fx.newDataset(`crash-${step}`);
        const root = await fx.driver.mountPath(ds);
        await writeFile(join(root, 'state.txt'), 'old state');
        await fx.driver.createSnapshot(ds, 'target');
        const restored = await treeHash(root);
        await writeFile(join(root, 'state.txt'), 'current state');
        await writeFile(join(root, 'extra.bin'), randomBytes(300_000));
        await fx.driver.createSnapshot(ds, 'newer');
        const current = await treeHash(root);

        await assert.rejects(fx.driver.restoreSnapshot(ds, 'target', { crashAfter: step }), /simulated crash/);
        const actions = await fx.driver.recover();
        assert.ok(actions.some((a) => a.dataset === ds), `recover() reports the dataset: ${JSON.stringify(actions)}`);
        assert.equal(await fx.driver.datasetExists(ds), true);
        const after = await treeHash(await fx.driver.mountPath(ds));
        assert.ok(after === restored || after === current, 'content is either the old or the restored one');
        assert.deepEqual((await fx.driver.listSnapshots(ds)).map((s) => s.name), ['target', 'newer']);
        assert.deepEqual(await fx.driver.recover(), [], 'a second recover() finds nothing');

        await fx.driver.restoreSnapshot(ds, 'target');
        assert.equal(await treeHash(await fx.driver.mountPath(ds)), restored, 'a later restore works');
      });
    }

    it('rejects bad names before running any command, listing every problem', async () => {
      const runner = new RecordingRunner();
      const driver: StorageDriver = fx.driverWithRunner(runner);
      const ds = fx.datasetName('names');
      const badSnapshots = ['', 'a/b', '..', '../x', 'a@b', 'a b', 'tab\there', 'new\nline', 'nul\u0000', '-rf', 'x'.repeat(300)];
      const badDatasets = [`${ds}/../..`, `${ds}/../../../etc`, `${ds}@snap`, `${ds} two`, `${ds}\n`, `${ds}/${'y'.repeat(300)}`];
      for (const name of badSnapshots) {
        await assert.rejects(driver.createSnapshot(ds, name), { code: 'invalid_name' }, `snapshot name ${JSON.stringify(name)}`);
        await assert.rejects(driver.restoreSnapshot(ds, name), { code: 'invalid_name' });
        await assert.rejects(driver.cloneSnapshot(ds, name, fx.datasetName('t')), { code: 'invalid_name' });
        await assert.rejects(driver.destroySnapshot(ds, name), { code: 'invalid_name' });
      }
      for (const dataset of badDatasets) {
        await assert.rejects(driver.createDataset(dataset), { code: 'invalid_name' }, `dataset ${JSON.stringify(dataset)}`);
        await assert.rejects(driver.createSnapshot(dataset, 'ok'), { code: 'invalid_name' });
        await assert.rejects(driver.destroyDataset(dataset), { code: 'invalid_name' });
        await assert.rejects(driver.cloneSnapshot(ds, 'ok', dataset), { code: 'invalid_name' });
      }
      await assert.rejects(driver.createSnapshot(ds, 'a b/@'), (error: { problems?: readonly string[] }) => {
        assert.ok((error.problems?.length ?? 0) >= 3, `every problem listed: ${JSON.stringify(error.problems)}`);
        return true;
      });
      assert.deepEqual(runner.calls, [], 'no command ran');
    });

    it('creates the 1,000th snapshot about as fast as the 1st and lists 1,000 quickly', async (t) => {
      const ds = await fx.newDataset('many');
      await writeFile(join(await fx.driver.mountPath(ds), 'file.txt'), 'content');
      const times: number[] = [];
      for (let i = 0; i < 1000; i += 1) {
        const start = performance.now();
        await fx.driver.createSnapshot(ds, `snap-${String(i).padStart(4, '0')}`);
        times.push(performance.now() - start);
      }
      const average = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      const first = average(times.slice(0, 20));
      const last = average(times.slice(-20));
      const listStart = performance.now();
      const listed = await fx.driver.listSnapshots(ds);
      const listMs = performance.now() - listStart;
      t.diagnostic(`snapshot create: first 20 avg ${first.toFixed(1)} ms, last 20 avg ${last.toFixed(1)} ms; list 1,000: ${listMs.toFixed(0)} ms`);
      assert.equal(listed.length, 1000);
      assert.deepEqual(listed.map((s) => s.name), times.map((_, i) => `snap-${String(i).padStart(4, '0')}`), 'oldest first');
      assert.ok(last < first * 10, `1,000th snapshot took ${last.toFixed(1)} ms vs ${first.toFixed(1)} ms for the 1st`);
      assert.ok(listMs < 2000, `listing 1,000 snapshots took ${listMs.toFixed(0)} ms`);
    });
  });

  describe(`driver conformance (full pool): ${label}`, () => {
    let fx: ConformanceFixture;
    before(async () => {
      fx = await setup({ sizeMiB: 160 });
    });
    after(() => fx.teardown());

    it('fails with NoSpaceError when the pool is full and leaves nothing half made', async (t) => {
      const ds = await fx.newDataset('full');
      const root = await fx.driver.mountPath(ds);
      await writeFile(join(root, 'precious.txt'), 'keep me');
      const beforeFull = await treeHash(root);
      await fx.driver.createSnapshot(ds, 'before-full');
      await fillUp(root);
      let failure: unknown;
      let made = 0;
      // Copy-on-write operations need only metadata, which filesystems keep reserves of: keep going until
      // the reserves are gone too. Every attempt either completes or fails cleanly.
      for (let i = 0; i < 3000 && failure === undefined; i += 1) {
        const name = `after-full-${i}`;
        try {
          await fx.driver.createSnapshot(ds, name);
          made += 1;
        } catch (error) {
          failure = error;
          assert.equal(await fx.driver.snapshotExists(ds, name), false, 'the failed snapshot does not exist');
          assert.ok(!(await fx.driver.listSnapshots(ds)).some((s) => s.name === name), 'nor is it listed');
        }
      }
      t.diagnostic(`${made} snapshots fitted into the full pool before one failed`);
      assert.ok(failure !== undefined, 'some snapshot failed');
      assert.equal((failure as { code?: string }).code, 'no_space', `NoSpaceError, got: ${failure instanceof Error ? failure.message : JSON.stringify(failure)}`);
      const target = fx.datasetName('clone-on-full');
      try {
        await fx.driver.cloneSnapshot(ds, 'before-full', target);
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'no_space', String(error));
        assert.equal(await fx.driver.datasetExists(target), false, 'no half-made clone');
      }
      assert.equal(await readFile(join(root, 'precious.txt'), 'utf8'), 'keep me');
      assert.equal(await fx.driver.snapshotExists(ds, 'before-full'), true);

      // A restore on the full pool either completes or fails cleanly: never a missing or half-swapped dataset.
      const fullDigest = await treeHash(root);
      try {
        await fx.driver.restoreSnapshot(ds, 'before-full');
        assert.equal(await treeHash(await fx.driver.mountPath(ds)), beforeFull, 'restored to the snapshot');
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'no_space', String(error));
        assert.equal(await treeHash(await fx.driver.mountPath(ds)), fullDigest, 'the dataset is untouched');
      }
      assert.deepEqual(await fx.driver.recover(), [], 'nothing left over');
    });
  });
}

/** Writes data, then empty folders (metadata only), until the filesystem says it is full. */
async function fillUp(root: string): Promise<void> {
  const chunk = randomBytes(4 * MiB);
  const handle = await open(join(root, 'filler.bin'), 'w');
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
  try {
    // On ZFS a full pool may refuse even this first folder.
    await mkdir(join(root, 'dirs'));
    for (let i = 0; ; i += 1) await mkdir(join(root, 'dirs', String(i)));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error;
  }
}
