/**
 * Chaos seed 31 (bench/README.md, reliability): zfs-fuse cannot rename a dataset while a clone of one of its
 * snapshots is mounted, even when no container holds the clone ("dataset is busy"). A zfs dataset with a
 * copy (a `cowsnap-copy-*` clone) could then be neither restored nor destroyed as a lineage: 409 after ~6 s
 * of retries, and every start-up resume of a cut restore of such a dataset failed. The driver now unmounts
 * the unheld mounted clones around the rename and mounts them again (zfs-rename-around-clones.ts).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { needs } from '../support/components.js';
import { zfsDriverFixture, zfsGet } from '../support/zfs-driver-fixture.js';

describe('zfs: a dataset whose snapshot has a mounted (unheld) clone can be restored and destroyed (chaos seed 31)', needs('zfs'), () => {
  const zfs = zfsDriverFixture();

  /** A dataset with `old` content and snapshot `s1` holding `v1`, and a mounted copy of s1 (with `deep`, one of that copy's snapshot too). */
  async function withCopies(name: string, deep = false): Promise<{ dataset: string; path: string; copies: { dataset: string; path: string }[] }> {
    const dataset = `${zfs.root}/${name}`;
    await zfs.driver.createDataset(dataset);
    const path = await zfs.driver.mountPath(dataset);
    await writeFile(join(path, 'file'), 'v1');
    await zfs.driver.createSnapshot(dataset, 's1');
    const copy = `${zfs.root}/cowsnap-copy-${name}-1`;
    await zfs.driver.cloneSnapshot(dataset, 's1', copy);
    const clones = [copy];
    if (deep) {
      await zfs.driver.createSnapshot(copy, 't');
      clones.push(`${zfs.root}/cowsnap-copy-${name}-2`);
      await zfs.driver.cloneSnapshot(copy, 't', clones[1] ?? '');
    }
    await writeFile(join(path, 'file'), 'old');
    const copies = [];
    for (const clone of clones) copies.push({ dataset: clone, path: await zfs.driver.mountPath(clone) });
    return { dataset, path, copies };
  }

  async function assertCopiesMounted(copies: readonly { dataset: string; path: string }[]): Promise<void> {
    for (const copy of copies) {
      assert.equal(await zfsGet(copy.dataset, 'mounted'), 'yes', copy.dataset);
      assert.equal(await zfs.driver.datasetMounted(copy.dataset), true, `${copy.dataset}: in the host mount table`);
      assert.equal(await readFile(join(copy.path, 'file'), 'utf8'), 'v1');
    }
  }

  it('restore succeeds, the copy stays mounted with its content', async () => {
    const d = await withCopies('restored');
    await zfs.driver.restoreSnapshot(d.dataset, 's1');
    assert.equal(await readFile(join(d.path, 'file'), 'utf8'), 'v1');
    assert.equal(await zfsGet(d.dataset, 'mounted'), 'yes');
    await assertCopiesMounted(d.copies);
  });

  it('destroying the dataset keeps its snapshots as a lineage, the copy stays mounted', async () => {
    const d = await withCopies('destroyed');
    await zfs.driver.destroyDataset(d.dataset);
    assert.equal(await zfs.driver.datasetExists(d.dataset), false);
    assert.equal(await zfs.driver.snapshotExists(d.dataset, 's1'), true);
    await assertCopiesMounted(d.copies);
  });

  it('restore with a copy of a copy (dependents at depth 2) succeeds, both stay mounted', async () => {
    const d = await withCopies('chained', true);
    await zfs.driver.restoreSnapshot(d.dataset, 's1');
    assert.equal(await readFile(join(d.path, 'file'), 'utf8'), 'v1');
    await assertCopiesMounted(d.copies);
  });
});
