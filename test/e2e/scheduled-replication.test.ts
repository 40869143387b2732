/**
 * Scheduled replication with remote retention on the real stack (issue 12): a private dockerd on btrfs,
 * the service with `btrfs send`, Ceph RGW, HTTP, and a ManualClock moved day by day over 40 days. Each
 * "day" runs what the timers would: the scheduler (which starts the push), then the local and the remote
 * reaper. Checked as a user would: what the bucket holds, the chains, full_every, `why`, verify, and the
 * newest replica's chain downloaded and received into another btrfs pool, byte-exact to the local snapshot.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type Docker from 'dockerode';
import { BtrfsLayout } from '../../storage-drivers/btrfs/btrfs-layout.js';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { createDriver } from '../../storage-drivers/index.js';
import type { RemoteConfig } from '../../src/config/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { S3Remote } from '../../src/remote/s3-remote.js';
import { createBtrfsPool, type TestBtrfsPool } from '../support/btrfs-pool.js';
import { needs } from '../support/components.js';
import { startTestService, testServiceConfig, type TestService } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { execIn } from '../support/docker-exec.js';
import { createObjectStore, type TestObjectStore } from '../support/object-store.js';
import { remoteConfigFor } from '../support/remote-under-test.js';
import { treeDifferences, treeDigest } from '../support/tree-digest.js';

interface RemoteSnapshotJson {
  name: string;
  alias: string | null;
  created_at: string;
  expires_at: string | null;
  streams: { parent: string | null; sha256: string }[];
}
interface ReplicaJson { snapshot: string; state: string; parent: string | null; expires_at: string | null; schedule_id: number | null; why: string | null }

const DAY = 86_400_000;
/** 30 s past midnight UTC of day d (day 0 = 2026-04-01). */
const dayAt = (d: number): Date => new Date(Date.parse('2026-04-01T00:00:30Z') + d * DAY);
const LOCAL_EXPIRY = 7;
const REMOTE_EXPIRY = 8;
const FULL_EVERY = 5;
const KEEP_MIN = 2;
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const dayOf = (alias: string | null): number => Number(alias?.replace('day-', '') ?? Number.NaN);

describe('scheduled replication with remote retention (dockerd on btrfs, btrfs send, Ceph RGW, 40 simulated days)', needs('docker', 'rgw'), () => {
  let engine: TestDockerEngine;
  let objects: TestObjectStore;
  let remoteConfig: RemoteConfig;
  let service: TestService;
  let container: Docker.Container;
  let scheduleId: number;

  before(async () => {
    objects = await createObjectStore();
    engine = await createDockerEngine();
    remoteConfig = remoteConfigFor(objects, { id: 'offsite' });
    const config = { ...testServiceConfig(engine), remotes: [remoteConfig] };
    service = await startTestService({ engine, config, clock: new ManualClock(dayAt(0)) });
  });
  after(async () => {
    await service.close();
    await engine.destroy();
    await objects.destroy();
  });

  async function live(d: number): Promise<void> {
    service.clock.set(dayAt(d));
    await service.running.scheduler.runDue();
    await service.running.replicaUploads.idle();
    await service.running.reaper.run();
    await service.running.remoteReaper.run();
  }

  async function inRemote(): Promise<RemoteSnapshotJson[]> {
    const got = await service.api('GET', `/remotes/offsite/snapshots?container=${container.id}&limit=500`);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    return (got.body.data as { snapshots: RemoteSnapshotJson[] }).snapshots;
  }

  async function replicas(): Promise<ReplicaJson[]> {
    const got = await service.api('GET', `/containers/${container.id}/replicas?remote=offsite`);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    return (got.body.data as { replicas: ReplicaJson[] }).replicas;
  }

  /** Every replica's days, its parent's day (null: full), and checks each parent is in the remote too. */
  function chains(snapshots: RemoteSnapshotJson[]): Map<number, number | null> {
    const dayByName = new Map(snapshots.map((s) => [s.name, dayOf(s.alias)]));
    const links = new Map<number, number | null>();
    for (const snapshot of snapshots) {
      const parents = [...new Set(snapshot.streams.map((stream) => stream.parent))];
      assert.equal(parents.length, 1, `${String(snapshot.alias)}: every stream has the same parent`);
      const parent = parents[0] ?? null;
      if (parent !== null) assert.ok(dayByName.has(parent), `${String(snapshot.alias)}: its parent ${parent} is kept in the remote`);
      links.set(dayOf(snapshot.alias), parent === null ? null : (dayByName.get(parent) ?? Number.NaN));
    }
    return links;
  }

  it('refuses a replicate setting naming an unknown remote or bad values, listing every problem, creating nothing', async () => {
    container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '1000000'], name: 'nightly' });
    await container.start();
    const bad = await service.api('POST', '/containers/nightly/schedules', { cron: '@daily', replicate: { remote: 'offsite', expiry: 0, full_every: 'often' } });
    assert.equal(bad.status, 400);
    const paths = ((bad.body.error as { details: { path: string }[] }).details).map((d) => d.path).sort();
    assert.deepEqual(paths, ['/body/replicate/expiry', '/body/replicate/full_every']);
    const unknown = await service.api('POST', '/containers/nightly/schedules', { cron: '@daily', replicate: { remote: 'tape' } });
    assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
    assert.deepEqual((unknown.body.error as { details: unknown[] }).details, [{ path: '/body/replicate/remote', message: 'names no configured remote: "tape" (configured: offsite)' }]);
    const listed = await service.api('GET', '/containers/nightly/schedules');
    assert.deepEqual((listed.body.data as { schedules: unknown[] }).schedules, []);
  });

  it('40 days: the remote keeps exactly what retention says, chains intact, full_every honoured, every replica verifies', async () => {
    const created = await service.api('POST', '/containers/nightly/schedules', {
      cron: '@daily',
      alias_template: 'day-{n}',
      expiry: LOCAL_EXPIRY,
      keep_min: KEEP_MIN,
      replicate: { remote: 'offsite', expiry: REMOTE_EXPIRY, full_every: FULL_EVERY },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const schedule = (created.body.data as { schedule: { id: number; replicate: unknown } }).schedule;
    scheduleId = schedule.id;
    assert.deepEqual(schedule.replicate, { remote: 'offsite', expiry: REMOTE_EXPIRY, full_every: FULL_EVERY, since: dayAt(0).toISOString() });

    for (let d = 1; d <= 40; d += 1) {
      // A little new data each day, so every incremental stream carries something.
      await execIn(container, ['sh', '-c', `mkdir -p /data && echo "day ${String(d)} $(date +%N)" > /data/day-${String(d)}.txt && rm -f /data/day-${String(d - 3)}.txt`]);
      await live(d);
    }

    // Replica of day i expires at day i + 8: days 33..40 are live; 33 sits on the chain started by the
    // full replica of day 31 (full_every 5: days 1, 6, ..., 31, 36), so 31 and 32 stay, saying why.
    const snapshots = await inRemote();
    const links = chains(snapshots);
    assert.deepEqual([...links.keys()].sort((a, b) => a - b), range(31, 40));
    for (const [d, parent] of links) assert.equal(parent, (d - 1) % FULL_EVERY === 0 ? null : d - 1, `day ${String(d)}: full every ${String(FULL_EVERY)}, else incremental to the day before`);
    for (const snapshot of snapshots) {
      assert.equal(snapshot.expires_at, new Date(Date.parse(snapshot.created_at) + REMOTE_EXPIRY * DAY).toISOString());
    }

    const records = await replicas();
    const nameOf = (d: number): string => snapshots.find((s) => dayOf(s.alias) === d)?.name ?? assert.fail(`no day ${String(d)}`);
    assert.deepEqual(records.map((r) => r.snapshot).sort(), snapshots.map((s) => s.name).sort(), "this host's records match the bucket");
    const why = new Map(records.map((r) => [r.snapshot, r.why]));
    assert.equal(why.get(nameOf(31)), `parent of ${nameOf(32)}`);
    assert.equal(why.get(nameOf(32)), `parent of ${nameOf(33)}`);
    for (const d of range(33, 40)) assert.equal(why.get(nameOf(d)), null, `day ${String(d)} is live`);
    assert.ok(records.every((r) => r.state === 'ready' && r.schedule_id === scheduleId));

    // Nothing of the 30 deleted replicas is left in the bucket: one manifest and one stream per kept one.
    const listed = await objects.client.send(new ListObjectsV2Command({ Bucket: objects.bucket, Prefix: `${remoteConfig.prefix}/` }));
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
    assert.equal(keys.length, 20, keys.join('\n'));
    assert.ok(snapshots.every((s) => keys.filter((k) => k.includes(`/${s.name}/`)).length === 2));

    for (const snapshot of snapshots) {
      const verified = await service.api('POST', `/containers/${container.id}/snapshots/${snapshot.name}/replicas/offsite/verify`);
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
      assert.equal((verified.body.data as { ok: boolean }).ok, true, `${String(snapshot.alias)} verifies`);
    }

    const metrics = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${service.token}` } }).then((r) => r.text());
    assert.match(metrics, new RegExp(`cowsnap_schedule_replica_lag_seconds\\{schedule="${String(scheduleId)}",[^}]*remote="offsite"\\} 0`));
    assert.match(metrics, /cowsnap_remote_reaper_deleted_total\{remote="offsite"\} 30/);
  });

  it("the newest replica's chain (full + incrementals), downloaded and received into another pool, is byte-exact", async () => {
    const snapshots = (await inRemote()).sort((a, b) => dayOf(a.alias) - dayOf(b.alias));
    const chain = snapshots.filter((s) => dayOf(s.alias) >= 36);
    assert.equal(chain[0]?.streams[0]?.parent, null, 'day 36 is the full start of the newest chain');
    const remote = new S3Remote(remoteConfig);
    const scratch: TestBtrfsPool = await createBtrfsPool({ quotas: false });
    try {
      const runner = new ExecFileRunner();
      const target = createDriver({ id: 'scratch', driver: 'btrfs', path: scratch.mountPoint }, runner);
      await target.probe();
      const dataset = `${scratch.mountPoint}/received`;
      for (const snapshot of chain) {
        const stream = snapshot.streams[0] ?? assert.fail('no stream');
        const manifest = (await remote.getManifest(container.id, snapshot.name)) ?? assert.fail('no manifest');
        const key = manifest.filesystems[0]?.stream.key ?? assert.fail('no key');
        await target.receive(remote.downloadStream(key, stream.sha256), { dataset, snapshot: snapshot.alias ?? 'x' });
      }
      const newest = chain.at(-1) ?? assert.fail('empty chain');
      const got = await service.api('GET', `/containers/${container.id}/snapshots/${newest.name}`);
      const rootfs = (got.body.data as { snapshot: { filesystems: { role: string; dataset: string }[] } }).snapshot.filesystems.find((f) => f.role === 'rootfs');
      assert.ok(rootfs);
      const source = createDriver({ id: 'docker-pool', driver: 'btrfs', path: engine.pool.mountPoint }, runner);
      await source.probe();
      const storageName = (await source.listSnapshots(rootfs.dataset)).map((s) => s.name).find((n) => n.startsWith(`${newest.name}.cs`)) ?? assert.fail('no local snapshot');
      const local = await treeDigest(new BtrfsLayout(engine.pool.mountPoint).snapshotPath(rootfs.dataset, storageName), { metadata: true });
      const received = await treeDigest(new BtrfsLayout(scratch.mountPoint).snapshotPath(dataset, newest.alias ?? 'x'), { metadata: true });
      assert.deepEqual(treeDifferences(local, received), []);
      assert.ok([...received.keys()].some((path) => path.endsWith('day-40.txt')), 'the day-40 file is there');
    } finally {
      remote.close();
      await scratch.destroy();
    }
  });

  it('keep_min applies to the remote: with the container gone, its newest replicas and their chain outlive their expiry', async () => {
    await container.remove({ force: true });
    await live(41); // the scheduler pauses the schedule: the container is gone
    await live(70);
    const snapshots = await inRemote();
    const links = chains(snapshots);
    assert.deepEqual([...links.keys()].sort((a, b) => a - b), range(36, 40), 'days 39 and 40 (keep_min 2) and the chain under them from the full day 36');
    const nameOf = (d: number): string => snapshots.find((s) => dayOf(s.alias) === d)?.name ?? assert.fail(`no day ${String(d)}`);
    const why = new Map((await replicas()).map((r) => [r.snapshot, r.why]));
    assert.deepEqual(range(36, 40).map((d) => why.get(nameOf(d))), [
      `parent of ${nameOf(37)}`,
      `parent of ${nameOf(38)}`,
      `parent of ${nameOf(39)}`,
      `keep_min ${String(KEEP_MIN)} of schedule ${String(scheduleId)}`,
      `keep_min ${String(KEEP_MIN)} of schedule ${String(scheduleId)}`,
    ]);
  });
});
