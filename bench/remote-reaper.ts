/**
 * Remote reaper over 10,000 replicas, with API latency meanwhile (issue 12). On the real service (private
 * dockerd on a loop btrfs pool, SQLite, HTTP) and a real S3 server (Ceph RGW):
 *   node --import tsx bench/remote-reaper.ts [--containers 100] [--days 100] [--expiry 85] [--full-every 10]
 * Seeds `containers` × `days` replicas as a daily replicating schedule would leave them: records in the
 * service's SQLite (remote expiry, schedule, parent chain with a full replica every `full-every` days) and,
 * per replica, its manifest (the real adapter: sealed env, validated on read) and one small stream object
 * in RGW. No btrfs streams are sent: the reaper never reads them, it only deletes objects.
 * Then, on day `days`, one remote reaper pass deletes everything expired that no live chain needs, while
 * sequential GETs measure latency: GET /containers/:c/replicas (SQLite) and GET /remotes/:r/snapshots
 * ?container= (a bucket listing). A second pass measures the steady state (no bucket call).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ManualClock } from '../src/core/clock.js';
import type { ReplicaManifest } from '../src/remote/manifest.js';
import { streamKey } from '../src/remote/object-keys.js';
import { S3Remote } from '../src/remote/s3-remote.js';
import { openDatabase } from '../src/store/database.js';
import { startTestService, testServiceConfig, type TestService } from '../test/support/cowsnap-service.js';
import { createDockerEngine } from '../test/support/docker-engine.js';
import { createObjectStore } from '../test/support/object-store.js';
import { remoteConfigFor } from '../test/support/remote-under-test.js';
import { writeResults } from './support/results.js';

const { values } = parseArgs({
  options: {
    containers: { type: 'string', default: '100' },
    days: { type: 'string', default: '100' },
    expiry: { type: 'string', default: '85' },
    'full-every': { type: 'string', default: '10' },
  },
});
const containers = Number(values.containers);
const days = Number(values.days);
const expiryDays = Number(values.expiry);
const fullEvery = Number(values['full-every']);
const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T03:00:00Z');

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function stats(values: readonly number[]): { n: number; p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number): number => Math.round(n * 10) / 10;
  return { n: sorted.length, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? Number.NaN) };
}

const containerId = (c: number): string => `c${String(c).padStart(5, '0')}`.padEnd(64, 'e');
const snapshotName = (d: number): string => {
  const date = new Date(T0 + d * DAY).toISOString();
  return `snap-${date.slice(0, 10).replaceAll('-', '')}-${date.slice(11, 19).replaceAll(':', '')}`;
};
const parentDay = (d: number): number | null => ((d - 1) % fullEvery === 0 ? null : d - 1);

function manifest(c: number, d: number): ReplicaManifest {
  const id = containerId(c);
  const parent = parentDay(d);
  return {
    formatVersion: 1,
    cowsnapVersion: '0.1.0',
    containerId: id,
    containerName: `bench-${String(c)}`,
    snapshotName: snapshotName(d),
    alias: `day-${String(d)}`,
    createdAt: new Date(T0 + d * DAY).toISOString(),
    expiresAt: new Date(T0 + (d + expiryDays) * DAY).toISOString(),
    uploadedAt: new Date(T0 + d * DAY + 60_000).toISOString(),
    origin: `schedule:${String(c + 1)}`,
    tags: [],
    config: {
      image: 'busybox:latest',
      imageId: 'sha256:abc',
      cmd: ['sleep', 'infinity'],
      entrypoint: null,
      env: ['DB_PASSWORD=bench-secret', 'MODE=prod'],
      labels: {},
      workingDir: '/',
      user: '',
      hostname: 'h',
      ports: [],
      mounts: [],
      restartPolicy: { name: 'no', maximumRetryCount: 0 },
      networks: ['bridge'],
    },
    uncaptured: [],
    filesystems: [
      {
        role: 'rootfs',
        mountPoint: '/',
        driver: 'btrfs',
        stream: {
          key: streamKey(id, snapshotName(d), 0),
          parentSnapshot: parent === null ? null : snapshotName(parent),
          parentId: parent === null ? null : `uuid-${String(parent)}`,
          snapshotId: `uuid-${String(d)}`,
          plainBytes: 4096,
          storedBytes: 1024,
          sha256: 'a'.repeat(64),
        },
      },
    ],
  };
}

/** Runs `work` over 0..count-1 with `width` at a time. */
async function pool(count: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    for (let i = next++; i < count; i = next++) await work(i);
  }));
}

async function timed(request: () => Promise<{ status: number }>): Promise<number> {
  const start = performance.now();
  const response = await request();
  if (response.status !== 200) throw new Error(`request failed with ${String(response.status)}`);
  return performance.now() - start;
}

async function measure(service: TestService, until: Promise<unknown>): Promise<{ replicas: number[]; remote: number[] }> {
  const sample = { replicas: [] as number[], remote: [] as number[] };
  const state = { done: false };
  void until.finally(() => (state.done = true));
  for (let i = 0; !state.done; i += 1) {
    const c = containerId(i % containers);
    sample.replicas.push(await timed(() => service.api('GET', `/containers/${c}/replicas?remote=offsite`)));
    sample.remote.push(await timed(() => service.api('GET', `/remotes/offsite/snapshots?container=${c}&limit=50`)));
  }
  return sample;
}

const objects = await createObjectStore();
const engine = await createDockerEngine();
const remoteConfig = remoteConfigFor(objects, { id: 'offsite' });
const clock = new ManualClock(new Date(T0 + days * DAY + 3_600_000));
const service = await startTestService({ engine, clock, config: { ...testServiceConfig(engine), remotes: [remoteConfig], reaperSchedule: '0 0 1 1 *' } });
const remote = new S3Remote(remoteConfig);
try {
  const total = containers * days;
  const seedStart = performance.now();
  const db = openDatabase(service.config.databasePath);
  db.transaction(() => {
    const container = db.prepare('INSERT INTO containers (id, name, image, first_seen_at, last_seen_at, removed_at) VALUES (?, ?, ?, ?, ?, ?)');
    const schedule = db.prepare(
      `INSERT INTO schedules (id, container_id, cron, timezone, expiry_days, quiesce, keep_min, paused, created_at, updated_at, replicate_remote, replicate_expiry_days, replicate_full_every, replicate_since)
       VALUES (?, ?, '@daily', 'UTC', 7, 'none', 1, 1, ?, ?, 'offsite', ?, ?, ?)`,
    );
    const replica = db.prepare(
      `INSERT INTO replicas (container_id, snapshot_name, remote_id, snapshot_id, state, parent_snapshot, plain_bytes, stored_bytes, uploaded_at, created_at, updated_at, expires_at, schedule_id, full_requested)
       VALUES (?, ?, 'offsite', ?, 'ready', ?, 4096, 1024, ?, ?, ?, ?, ?, ?)`,
    );
    for (let c = 0; c < containers; c += 1) {
      container.run(containerId(c), `bench-${String(c)}`, 'busybox:latest', T0, T0, T0 + DAY);
      schedule.run(c + 1, containerId(c), T0, T0, expiryDays, fullEvery, T0);
      for (let d = 1; d <= days; d += 1) {
        const at = T0 + d * DAY;
        const parent = parentDay(d);
        replica.run(containerId(c), snapshotName(d), c * days + d, parent === null ? null : snapshotName(parent), at + 60_000, at, at, at + expiryDays * DAY, c + 1, parent === null ? 1 : 0);
      }
    }
  })();
  db.close();
  const sqliteSeconds = (performance.now() - seedStart) / 1000;
  await pool(total, 16, async (i) => {
    const c = Math.floor(i / days);
    const d = (i % days) + 1;
    await remote.putManifest(manifest(c, d));
    await objects.client.send(new PutObjectCommand({ Bucket: objects.bucket, Key: `${remoteConfig.prefix}/${streamKey(containerId(c), snapshotName(d), 0)}`, Body: Buffer.alloc(1024, 7) }));
  });
  const seedSeconds = (performance.now() - seedStart) / 1000;
  console.log(`seeded ${String(total)} replicas (${String(containers)} containers × ${String(days)} days): SQLite ${sqliteSeconds.toFixed(1)} s, with RGW ${seedSeconds.toFixed(1)} s`);

  const idle = await measure(service, new Promise((resolve) => setTimeout(resolve, 5000)));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const reapStart = performance.now();
  const reaping = service.running.remoteReaper.run();
  const busy = await measure(service, reaping);
  const report = await reaping;
  const reapSeconds = (performance.now() - reapStart) / 1000;
  loop.disable();
  const steadyStart = performance.now();
  const steady = await service.running.remoteReaper.run();
  const steadyMs = performance.now() - steadyStart;

  const figures = {
    replicas: total,
    containers,
    days,
    expiryDays,
    fullEvery,
    seedSeconds: Math.round(seedSeconds),
    pass: {
      seconds: Math.round(reapSeconds * 10) / 10,
      deleted: report.deleted,
      keptPastExpiry: report.keptPastExpiry,
      bucketListings: report.bucketListings,
      failed: report.failed.length,
      deletesPerSecond: Math.round(report.deleted / reapSeconds),
    },
    steadyPass: { ms: Math.round(steadyMs), deleted: steady.deleted, bucketListings: steady.bucketListings, keptPastExpiry: steady.keptPastExpiry },
    latencyMs: {
      replicasIdle: stats(idle.replicas),
      replicasWhileReaping: stats(busy.replicas),
      remoteListIdle: stats(idle.remote),
      remoteListWhileReaping: stats(busy.remote),
    },
    eventLoopDelayWhileReapingMs: { p50: Math.round(loop.percentile(50) / 1e5) / 10, p99: Math.round(loop.percentile(99) / 1e5) / 10, max: Math.round(loop.max / 1e5) / 10 },
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(`results: ${await writeResults('remote-reaper', figures)}`);
} finally {
  remote.close();
  await service.close();
  await engine.destroy();
  await objects.destroy();
}
