/**
 * Every input of a list page that could make a reused page stale (core/snapshot-list-cache.ts lists them):
 * the query's parameters, the caller's project scope, Docker's view of the container (a rename), the
 * clock, a write rolled back inside a transaction, and the memory bound. Each test compares a cached
 * answer with what the same list reads without the cache, so it fails when an input is not covered.
 * Docker is a stand-in here (the resolver's runtime port); the store, the resolver and the list are real.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AccessContext, runWithAccess } from '../../src/core/access/access-context.js';
import type { ListSnapshotsQuery, SnapshotListResult, SnapshotsApi } from '../../src/core/api-types.js';
import { ContainerResolver } from '../../src/core/container-resolver.js';
import type { ContainerRecord } from '../../src/core/model.js';
import type { LiveContainer } from '../../src/core/ports.js';
import { DEFAULT_LIST_CACHE_PAGES, listCachePagesFrom, withListCache } from '../../src/core/snapshot-list-cache.js';
import { SnapshotService, type SnapshotServiceDeps } from '../../src/core/snapshot-service.js';
import { withReplicas } from '../../src/core/snapshots-with-replicas.js';
import { dataGeneration } from '../../src/store/data-generation.js';
import { ReplicaStore } from '../../src/store/replica-store.js';
import { CONTAINER_ID, createTestStore, newSnapshot, sampleConfig } from './store-fixture.js';

describe('store: what a cached list page depends on', () => {
  const test = createTestStore();
  after(() => test.destroy());
  const live: { current: LiveContainer | undefined } = {
    current: { id: CONTAINER_ID, name: 'web', image: 'busybox', state: { status: 'running', running: true, paused: false }, config: sampleConfig() },
  };
  let dockerLookups = 0;
  const runtime = {
    resolveContainer: (ref: string) => {
      dockerLookups += 1;
      return Promise.resolve(live.current !== undefined && (ref === live.current.name || ref === live.current.id) ? live.current : undefined);
    },
  };
  const resolver = new ContainerResolver(runtime, test.store, test.clock);
  const replicas = new ReplicaStore(test.db);
  // Only the list is called: the service's other collaborators are not needed.
  const service = new SnapshotService({ store: test.store, resolver, clock: test.clock } as unknown as SnapshotServiceDeps);
  let reads = 0;
  const counted = {
    list: (ref: string, query: ListSnapshotsQuery, resolved?: ContainerRecord) => {
      reads += 1;
      return service.list(ref, query, resolved);
    },
  } as unknown as SnapshotsApi;
  const uncached = withReplicas(counted, (c, n) => replicas.listReplicasOfSnapshot(c, n), (c, names) => replicas.listReplicasOfSnapshots(c, names));
  const cached = withListCache(uncached, { resolver, generation: dataGeneration(test.db) });
  const all: ListSnapshotsQuery = { limit: 50, offset: 0 };
  const plain = (result: SnapshotListResult): unknown => JSON.parse(JSON.stringify(result));

  /** The cached answer equals the uncached one (so a stale page fails here). */
  async function assertFresh(ref: string, query: ListSnapshotsQuery): Promise<SnapshotListResult> {
    const page = await cached.list(ref, query);
    assert.deepEqual(plain(page), plain(await uncached.list(ref, query)), `stale page for ${JSON.stringify(query)}`);
    return page;
  }

  test.store.upsertContainer({ id: CONTAINER_ID, name: 'web', image: 'busybox' }, test.clock.now());
  const made = [
    newSnapshot({ createdAt: new Date('2026-03-04T05:00:01.000Z'), alias: 'before-deploy', tags: ['nightly'] }),
    newSnapshot({ createdAt: new Date('2026-03-04T05:00:02.000Z'), origin: 'schedule:7', tags: ['weekly'] }),
    newSnapshot({ createdAt: new Date('2026-03-04T05:00:03.000Z'), expiresAt: new Date('2026-03-04T06:00:00.000Z') }),
  ].map((input) => test.store.reserveSnapshot(input));
  test.store.markSnapshotReady(made[0]?.id ?? 0, { sizeBytes: 1, filesystems: made[0]?.filesystems ?? [] });

  it('serves each query its own page: limit, offset, alias, state, origin and tag are all in the key', async () => {
    await assertFresh('web', all);
    const variants: ListSnapshotsQuery[] = [
      { limit: 1, offset: 0 },
      { limit: 50, offset: 1 },
      { ...all, alias: 'before-deploy' },
      { ...all, state: 'ready' },
      { ...all, origin: 'schedule' },
      { ...all, tag: 'weekly' },
    ];
    for (const query of variants) {
      const page = await assertFresh('web', query);
      assert.ok(page.snapshots.length < 3, `${JSON.stringify(query)} got the unfiltered page`);
    }
  });

  it("checks the caller's project on every request: a cached page is no answer to a key of another project", async () => {
    const admin = new AccessContext({ keyId: 'admin', role: 'admin', project: '*' });
    const page = await runWithAccess(admin, () => cached.list('web', all));
    const before = reads;
    assert.equal(await runWithAccess(admin, () => cached.list('web', all)), page, 'a hit for a caller who may see it');
    assert.equal(reads, before);
    const stranger = new AccessContext({ keyId: 'k2', role: 'viewer', project: 'team-b' });
    await assert.rejects(
      runWithAccess(stranger, () => cached.list('web', all)),
      (error: unknown) => (error as { code?: string }).code === 'container_not_found',
    );
    const member = new AccessContext({ keyId: 'k3', role: 'viewer', project: 'default' });
    assert.equal(await runWithAccess(member, () => cached.list('web', all)), page, 'the same page for a key of its project');
  });

  it("shows Docker's rename of the container at once", async () => {
    const page = await assertFresh('web', all);
    assert.equal(page.container.name, 'web');
    const current = live.current;
    assert.ok(current);
    live.current = { ...current, name: 'web-renamed' };
    try {
      const renamed = await assertFresh('web-renamed', all);
      assert.equal(renamed.container.name, 'web-renamed');
      assert.equal((await cached.list(CONTAINER_ID, all)).container.name, 'web-renamed');
    } finally {
      live.current = current;
    }
    assert.equal((await assertFresh('web', all)).container.name, 'web');
  });

  it('has nothing that depends on the clock: past a snapshot’s expiry the page is still the uncached one', async () => {
    await assertFresh('web', all);
    test.clock.set('2026-03-05T00:00:00.000Z');
    const page = await assertFresh('web', all);
    assert.equal(page.snapshots.length, 3, 'an expired snapshot is listed until the reaper deletes it');
  });

  it('never keeps or serves a page read inside a transaction (a rollback does not move the generation)', async () => {
    await assertFresh('web', all);
    test.db.exec('BEGIN');
    try {
      test.db.prepare("UPDATE snapshots SET alias = 'uncommitted' WHERE id = ?").run(made[2]?.id ?? 0);
      const inside = await cached.list('web', all);
      assert.ok(inside.snapshots.some((s) => s.alias === 'uncommitted'));
    } finally {
      test.db.exec('ROLLBACK');
    }
    const afterRollback = await assertFresh('web', all);
    assert.ok(!afterRollback.snapshots.some((s) => s.alias === 'uncommitted'), 'a rolled-back write was served');
  });

  it('keeps at most maxPages pages and maxSnapshots snapshots', async () => {
    const cached = withListCache(uncached, { resolver, generation: dataGeneration(test.db), maxPages: 4, maxSnapshots: 6 });
    await cached.list('web', all);
    const before = reads;
    await cached.list('web', all);
    assert.equal(reads, before, 'the page of 3 is kept');
    // Two more pages of 3 exceed 6 snapshots: the least recently used (the first) goes.
    await cached.list('web', { limit: 3, offset: 0, state: 'creating' });
    await cached.list('web', { limit: 49, offset: 0 });
    const afterFill = reads;
    await cached.list('web', all);
    assert.equal(reads, afterFill + 1, 'the oldest page was evicted');
    // Five one-snapshot pages: no more than four are kept.
    for (let limit = 1; limit <= 5; limit += 1) await cached.list('web', { limit, offset: 2 });
    const afterPages = reads;
    await cached.list('web', { limit: 1, offset: 2 });
    assert.equal(reads, afterPages + 1, 'the fifth page evicted the first');
    // A page larger than the whole budget is read every time.
    const tooBig = withListCache(uncached, { resolver, generation: dataGeneration(test.db), maxSnapshots: 2 });
    await tooBig.list('web', all);
    const beforeBig = reads;
    await tooBig.list('web', all);
    assert.equal(reads, beforeBig + 1);
  });

  it('a miss asks Docker for the container once: the service lists the record the cache resolved', async () => {
    const before = { dockerLookups, reads };
    await cached.list('web', { limit: 7, offset: 0 });
    assert.equal(reads, before.reads + 1, 'a miss');
    assert.equal(dockerLookups, before.dockerLookups + 1);
    await assertFresh('web', { limit: 7, offset: 0 });
  });

  it('keeps no page with COWSNAP_LIST_CACHE_PAGES=0 (the uncached path, for measuring it)', async () => {
    assert.equal(listCachePagesFrom({ COWSNAP_LIST_CACHE_PAGES: '0' }), 0);
    assert.equal(listCachePagesFrom({ COWSNAP_LIST_CACHE_PAGES: 'lots' }), DEFAULT_LIST_CACHE_PAGES);
    assert.equal(listCachePagesFrom({}), DEFAULT_LIST_CACHE_PAGES);
    const off = withListCache(uncached, { resolver, generation: dataGeneration(test.db), maxPages: 0 });
    await off.list('web', all);
    const before = reads;
    await off.list('web', all);
    assert.equal(reads, before + 1);
  });
});
