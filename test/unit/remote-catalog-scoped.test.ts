/**
 * A project's key lists a remote's replicas of its own project only. The filter applies before the page is
 * cut: a page is full whenever more of the project's replicas follow, however many of other projects' lie
 * between them in the bucket (before, a page of 2 could come back with 1 or none). The bucket is faked: a
 * listing in pages of the port's size, with a cursor, as the S3 adapter answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RemoteCatalog } from '../../src/core/remote-catalog.js';
import type { ListManifestsQuery, ManifestPage, RemotePort, ReplicaManifest } from '../../src/core/remote-port.js';
import { RemoteRegistry } from '../../src/core/remote-registry.js';

/** 1,200 replicas in the bucket's order; every fifth is of container "mine", the others "theirs". */
const MANIFESTS = Array.from({ length: 1200 }, (_, i) => ({
  containerId: i % 5 === 0 ? 'mine' : 'theirs',
  snapshotName: `snap-${String(i).padStart(4, '0')}`,
})) as unknown as ReplicaManifest[];

/** Damaged manifests on the first page of the bucket, one of each container. */
const INVALID = [
  { key: 'containers/mine/snap-x/manifest.json', containerId: 'mine', problem: 'not JSON' },
  { key: 'containers/theirs/snap-y/manifest.json', containerId: 'theirs', problem: 'not JSON' },
];

const bucket = {
  id: 'vault',
  listManifests(query: ListManifestsQuery): Promise<ManifestPage> {
    const start = query.cursor === undefined ? 0 : Number(query.cursor);
    const end = Math.min(start + query.limit, MANIFESTS.length);
    return Promise.resolve({
      manifests: MANIFESTS.slice(start, end),
      ...(start === 0 && { invalid: INVALID }),
      ...(end < MANIFESTS.length && { nextCursor: String(end) }),
    });
  },
} as unknown as RemotePort;

const catalog = new RemoteCatalog({ remotes: new RemoteRegistry([bucket]), store: { findContainers: () => [] } });
const mine = (containerId: string): boolean => containerId === 'mine';

describe('remote listing for a project key', () => {
  it('fills every page with the project\'s replicas, across the port\'s pages, and says when more follow', async () => {
    const first = await catalog.listSnapshots('vault', { limit: 2, offset: 0, visible: mine });
    assert.deepEqual(first.manifests.map((m) => m.snapshotName), ['snap-0000', 'snap-0005']);
    assert.equal(first.hasMore, true);

    // Across the port's page boundary (500): the 100th and 101st of "mine" are bucket entries 495 and 500.
    const boundary = await catalog.listSnapshots('vault', { limit: 2, offset: 99, visible: mine });
    assert.deepEqual(boundary.manifests.map((m) => m.snapshotName), ['snap-0495', 'snap-0500']);

    const last = await catalog.listSnapshots('vault', { limit: 10, offset: 235, visible: mine });
    assert.deepEqual(last.manifests.map((m) => m.snapshotName), ['snap-1175', 'snap-1180', 'snap-1185', 'snap-1190', 'snap-1195']);
    assert.equal(last.hasMore, false);
    assert.ok(last.manifests.every((m) => mine(m.containerId)));
  });

  it('reports only its own containers\' damaged manifests: another project\'s keys say nothing to it', async () => {
    const page = await catalog.listSnapshots('vault', { limit: 2, offset: 0, visible: mine });
    assert.deepEqual(page.invalid.map((entry) => entry.key), ['containers/mine/snap-x/manifest.json']);
  });

  it('lists everything for a key of all projects', async () => {
    const page = await catalog.listSnapshots('vault', { limit: 3, offset: 0 });
    assert.deepEqual(page.manifests.map((m) => m.containerId), ['mine', 'theirs', 'theirs']);
    assert.deepEqual(page.invalid.map((entry) => entry.containerId), ['mine', 'theirs']);
  });
});
