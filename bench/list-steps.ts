/**
 * The list (limit 50) miss path in process, step by step (best of five rounds each) (issue #17, goal 2): a real store on a temporary
 * SQLite file with `--snapshots` snapshots of one container (one filesystem each, `--replicas` replica
 * records per snapshot), then µs per call of each step a list request takes after the container is
 * resolved: the page statement + records, the replica lookup + copies, the serializer, JSON.stringify. No
 * root, no Docker; single-threaded, so it reads well on a busy machine (the load average is printed).
 *   node --expose-gc --import tsx bench/list-steps.ts [--snapshots 100] [--replicas 0] [--ms 1500]
 * With --expose-gc it also prints the heap a full page cache holds (core/snapshot-list-cache.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ManualClock } from '../src/core/clock.js';
import type { SnapshotListResult, SnapshotsApi } from '../src/core/api-types.js';
import type { ContainerResolver } from '../src/core/container-resolver.js';
import { DEFAULT_LIST_CACHE_PAGES, withListCache } from '../src/core/snapshot-list-cache.js';
import { withReplicas } from '../src/core/snapshots-with-replicas.js';
import { envelope } from '../src/http/envelope.js';
import { serializeSnapshotList } from '../src/http/serializers/snapshot-result-serializer.js';
import { CowsnapStore } from '../src/store/cowsnap-store.js';
import { openDatabase } from '../src/store/database.js';
import { ReplicaStore } from '../src/store/replica-store.js';
import { loadOrCreateKey, SecretBox } from '../src/store/secret-box.js';
import { CONTAINER_ID, newSnapshot } from '../test/store/store-fixture.js';
import { loadAverage } from './support/process-cpu.js';

const { values } = parseArgs({ options: { snapshots: { type: 'string', default: '100' }, replicas: { type: 'string', default: '0' }, ms: { type: 'string', default: '1500' } } });
const dir = mkdtempSync(join(tmpdir(), 'cowsnap-list-steps-'));
try {
  const db = openDatabase(join(dir, 'cowsnap.db'));
  const clock = new ManualClock('2026-03-04T05:06:07.000Z');
  const store = new CowsnapStore(db, new SecretBox(loadOrCreateKey(join(dir, 'secret.key'))), clock);
  const replicas = new ReplicaStore(db);
  const container = store.upsertContainer({ id: CONTAINER_ID, name: '/web', image: 'busybox' }, clock.now());
  for (let i = 0; i < Number(values.snapshots); i += 1) {
    const filesystems = [{ role: 'rootfs' as const, mountPoint: '/', driver: 'btrfs' as const, pool: 'main', dataset: `/pool/btrfs/subvolumes/s${String(i)}` }];
    const made = store.reserveSnapshot(newSnapshot({ createdAt: new Date(Date.UTC(2026, 2, 4, 5, 6, i)), filesystems, uncaptured: [] }));
    store.markSnapshotReady(made.id, { sizeBytes: 4096 * i, filesystems });
    for (let r = 0; r < Number(values.replicas); r += 1) {
      const key = { containerId: CONTAINER_ID, snapshotName: made.name, remoteId: `remote-${String(r)}` };
      replicas.beginReplica({ ...key, snapshotId: made.id, operationId: 1 }, clock.now());
      replicas.markReplicaReady(key, { plainBytes: 10, storedBytes: 5, uploadedAt: clock.now(), parentSnapshot: null });
    }
  }
  const query = { limit: 50, offset: 0 };
  const inner = { list: () => Promise.resolve({ container, ...store.listSnapshots(CONTAINER_ID, query) }) } as unknown as SnapshotsApi;
  const api = withReplicas(inner, (c, n) => replicas.listReplicasOfSnapshot(c, n), (c, names) => replicas.listReplicasOfSnapshots(c, names));
  const page: SnapshotListResult = await api.list('web', query);
  const data = serializeSnapshotList(page, query);
  const message = `${String(page.snapshots.length)} of ${String(page.total)} snapshots of container ${page.container.name}.`;

  /** CPU µs per call (this process's, so other processes' load counts less): the best of five rounds, after a warm-up (JIT). */
  const perCall = async (what: string, step: () => unknown): Promise<void> => {
    for (let i = 0; i < 500; i += 1) await step();
    let best = Infinity;
    for (let round = 0; round < 5; round += 1) {
      const cpu = process.cpuUsage();
      const until = performance.now() + Number(values.ms) / 5;
      let n = 0;
      while (performance.now() < until) {
        for (let i = 0; i < 20; i += 1) await step();
        n += 20;
      }
      const used = process.cpuUsage(cpu);
      best = Math.min(best, (used.user + used.system) / n);
    }
    console.log(`${what.padEnd(44)} ${best.toFixed(1).padStart(7)} µs`);
  };
  console.log(`${values.snapshots} snapshots, ${values.replicas} replicas each, page of ${String(page.snapshots.length)}; load ${String(loadAverage())}`);
  await perCall('store.listSnapshots (SQL + records)', () => store.listSnapshots(CONTAINER_ID, query));
  await perCall('replica lookup of the page', () => replicas.listReplicasOfSnapshots(CONTAINER_ID, page.snapshots.map((s) => s.name)));
  await perCall('list with replicas (all of the above)', () => api.list('web', query));
  await perCall('serializeSnapshotList', () => serializeSnapshotList(page, query));
  await perCall('JSON.stringify(envelope)', () => JSON.stringify(envelope(200, message, data)));
  await perCall('whole miss path after resolution', async () => {
    const result = await api.list('web', query);
    return JSON.stringify(envelope(200, message, serializeSnapshotList(result, query)));
  });
  console.log(`JSON ${String(JSON.stringify(envelope(200, message, data)).length)} bytes; load ${String(loadAverage())}`);
  await cachedPagesHeap(api);
  db.close();

  /**
   * Heap held by a full page cache (with `node --expose-gc`): 32 pages of 50, each with the serialized data
   * and the JSON the HTTP layer keeps for a reused page (snapshot-routes.ts, router.ts).
   */
  async function cachedPagesHeap(uncachedApi: SnapshotsApi): Promise<void> {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) return;
    const resolver = { resolveForRead: () => Promise.resolve({ record: container, live: undefined }) } as unknown as ContainerResolver;
    const cache = withListCache(uncachedApi, { resolver, generation: () => 'same' });
    const kept: unknown[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let offset = 0; offset < DEFAULT_LIST_CACHE_PAGES; offset += 1) {
      const result = await cache.list('web', { limit: 50, offset });
      const serialized = serializeSnapshotList(result, { limit: 50, offset });
      kept.push(serialized, JSON.stringify(envelope(200, message, serialized)));
    }
    gc();
    const bytes = process.memoryUsage().heapUsed - before;
    console.log(`page cache full (${String(DEFAULT_LIST_CACHE_PAGES)} pages of 50, with their JSON): ${(bytes / 2 ** 20).toFixed(1)} MiB, ${String(Math.round(bytes / DEFAULT_LIST_CACHE_PAGES / 1024))} KiB a page (${String(kept.length)} objects kept)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
