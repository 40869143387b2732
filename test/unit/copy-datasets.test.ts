/** Copy datasets left by removed copies: listed with their users, reclaimed only on request and only when unused. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { listCopyDatasets, reclaimCopyDataset } from '../../src/core/copy-datasets.js';
import { PoolRegistry } from '../../src/core/pool-registry.js';
import type { LiveContainer } from '../../src/core/ports.js';
import { sampleConfig, newSnapshot } from '../store/store-fixture.js';

const POOL = '/srv/pool';

function fixture(): { deps: Parameters<typeof listCopyDatasets>[0]; destroyed: string[] } {
  const datasets = ['cowsnap-copy-dev-ann-1', 'cowsnap-copy-dev-bob-1', 'cowsnap-copy-old-1', 'volumes', 'volumes/cowsnap-copy-nested-1'].map((d) => join(POOL, d));
  const destroyed: string[] = [];
  const driver = {
    listDatasets: () => Promise.resolve(datasets.filter((d) => !destroyed.includes(d))),
    childDataset: (name: string) => join(POOL, name),
    datasetForPath: (path: string) => Promise.resolve(datasets.find((d) => d === path)),
    destroyDataset: (dataset: string) => {
      destroyed.push(dataset);
      return Promise.resolve();
    },
  } as unknown as StorageDriver;
  const container = (name: string, source: string): LiveContainer => ({
    id: name.padEnd(64, '0'),
    name: `/${name}`,
    image: 'busybox',
    state: { status: 'exited', running: false, paused: false },
    config: { ...sampleConfig(), mounts: [{ type: 'bind', source, destination: '/data', readOnly: false }] },
  });
  const snapshot = { ...newSnapshot({ filesystems: [{ role: 'mount', mountPoint: '/data', driver: 'btrfs', pool: 'main', dataset: join(POOL, 'cowsnap-copy-dev-bob-1') }] }), id: 1, name: 'snap-20260101-000000' };
  return {
    destroyed,
    deps: {
      pools: new PoolRegistry([{ id: 'main', driver }]),
      runtime: { listContainers: () => Promise.resolve([container('dev-ann', join(POOL, 'cowsnap-copy-dev-ann-1'))]) },
      store: { listAllSnapshots: () => [snapshot as never] },
    },
  };
}

describe('defect-12 copy datasets of removed copies', () => {
  it('defect-12 are listed with the containers and snapshots using them, by name (no host path)', async () => {
    const { deps } = fixture();
    const list = await listCopyDatasets(deps);
    assert.deepEqual(
      list.map((d) => [d.name, d.usedBy, d.snapshots.length, d.reclaimable]),
      [
        ['cowsnap-copy-dev-ann-1', ['dev-ann'], 0, false],
        ['cowsnap-copy-dev-bob-1', [], 1, false],
        ['cowsnap-copy-old-1', [], 0, true],
      ],
    );
    assert.doesNotMatch(JSON.stringify(list), /\/srv/);
  });

  it('defect-12 are reclaimed only on request and only when nothing uses them (409 naming the user otherwise)', async () => {
    const { deps, destroyed } = fixture();
    await assert.rejects(reclaimCopyDataset(deps, 'main', 'cowsnap-copy-dev-ann-1'), { code: 'copy_dataset_in_use', message: /dev-ann/ });
    await assert.rejects(reclaimCopyDataset(deps, 'main', 'cowsnap-copy-dev-bob-1'), { code: 'copy_dataset_in_use', message: /snapshots/ });
    await assert.rejects(reclaimCopyDataset(deps, 'main', 'cowsnap-copy-none-1'), { code: 'copy_dataset_not_found' });
    assert.deepEqual(destroyed, []);
    await reclaimCopyDataset(deps, 'main', 'cowsnap-copy-old-1');
    assert.deepEqual(destroyed, [join(POOL, 'cowsnap-copy-old-1')]);
  });
});
