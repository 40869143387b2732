/**
 * The expiry reaper end to end: the real service on a private dockerd (btrfs storage driver), real
 * btrfs snapshots, SQLite and HTTP, with a ManualClock instead of waiting days.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { createDriver } from '../../storage-drivers/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { needs } from '../support/components.js';
import { startTestService, type TestService } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import type { SnapshotJson } from '../../src/http/wire/snapshot-json.js';

const DAY = 86_400_000;
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('expiry reaper end to end (real dockerd on btrfs, real service)', needs('docker'), () => {
  const runner = new ExecFileRunner();
  let engine: TestDockerEngine;
  let service: TestService;
  let driver: StorageDriver;

  before(async () => {
    engine = await createDockerEngine();
    service = await startTestService({ engine, clock: new ManualClock('2026-05-01T08:00:00Z') });
    driver = createDriver({ id: 'docker-pool', driver: 'btrfs', path: engine.pool.mountPoint }, runner);
    await driver.probe();
  });
  after(async () => {
    await service.close();
    await engine.destroy();
  });

  async function runContainer(name: string, binds: string[] = []): Promise<void> {
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '100000'], name, HostConfig: { Binds: binds } });
    await container.start();
  }

  async function snapshot(container: string, body: Record<string, unknown> = {}): Promise<SnapshotJson> {
    const response = await service.api('POST', `/containers/${container}/snapshots`, body);
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return (response.body.data as { snapshot: SnapshotJson }).snapshot;
  }

  async function get(container: string, name: string): Promise<{ status: number; snapshot: SnapshotJson | undefined }> {
    const response = await service.api('GET', `/containers/${container}/snapshots/${name}`);
    return { status: response.status, snapshot: (response.body.data as { snapshot?: SnapshotJson } | undefined)?.snapshot };
  }

  /** Whether the driver still has the snapshot's storage on `dataset`. */
  async function stored(dataset: string, name: string): Promise<boolean> {
    return (await driver.listSnapshots(dataset)).some((s) => s.name.startsWith(`${name}.cs`));
  }

  /** The btrfs subvolume that holds a snapshot (see storage-drivers/btrfs/btrfs-layout.ts). */
  async function snapshotSubvolume(dataset: string, name: string): Promise<string> {
    const dir = join(engine.pool.mountPoint, '.cowsnap', 'snapshots', encodeURIComponent(relative(engine.pool.mountPoint, dataset)));
    const folder = (await readdir(dir)).find((entry) => entry.startsWith(`${name}.cs`)) ?? assert.fail(`no storage for ${name}`);
    return join(dir, folder, 'snapshot');
  }

  /** Sets or clears the immutable flag on a read-only snapshot's root: btrfs then refuses to delete it (EPERM). */
  async function setImmutable(subvolume: string, on: boolean): Promise<void> {
    await runner.run('btrfs', ['property', 'set', '-ts', subvolume, 'ro', 'false']);
    await runner.run('chattr', [on ? '+i' : '-i', subvolume]);
    await runner.run('btrfs', ['property', 'set', '-ts', subvolume, 'ro', 'true']);
  }

  it('deletes a snapshot with expiry 1 once a day has passed; a permanent one never goes', async () => {
    await runContainer('expiring');
    const doomed = await snapshot('expiring', { expiry: 1 });
    const forever = await snapshot('expiring', { alias: 'forever' });
    const rootfs = doomed.filesystems[0]?.dataset ?? assert.fail('no rootfs');

    service.clock.advance(DAY - 1000);
    await service.running.reaper.run();
    assert.equal((await get('expiring', doomed.name)).status, 200, 'not expired yet');
    service.clock.advance(1000);
    const report = await service.running.reaper.run();
    assert.equal(report.deleted, 1);
    assert.equal((await get('expiring', doomed.name)).status, 404);
    assert.equal(await stored(rootfs, doomed.name), false);

    service.clock.advance(3651 * DAY);
    await service.running.reaper.run();
    assert.equal((await get('expiring', 'forever')).status, 200);
    assert.equal(await stored(rootfs, forever.name), true);
  });

  it('finishes a delete that a killed run left half-done: no record without storage, no storage without record', async () => {
    const volume = join(engine.pool.mountPoint, 'volumes', 'half');
    await mkdir(join(engine.pool.mountPoint, 'volumes'), { recursive: true });
    await runner.run('btrfs', ['subvolume', 'create', volume]);
    await runContainer('half', [`${volume}:/data`]);
    const snap = await snapshot('half', { expiry: 1 });
    assert.equal(snap.filesystems.length, 2);
    service.clock.advance(2 * DAY);

    // What SnapshotDeleter leaves when killed after the first filesystem: the row marked `deleting`, its
    // journal entry running, one filesystem's storage gone, the other's still there.
    const db = new BetterSqlite3(service.config.databasePath);
    try {
      const row = db.prepare("UPDATE snapshots SET state = 'deleting' WHERE name = ? RETURNING id, container_id").get(snap.name) as { id: number; container_id: string };
      db.prepare(
        `INSERT INTO operations (kind, container_id, snapshot_name, state, step, payload, started_at, updated_at)
         VALUES ('delete', ?, ?, 'running', 'start', json_object('snapshotId', ?), 0, 0)`,
      ).run(row.container_id, snap.name, row.id);
    } finally {
      db.close();
    }
    const [first, second] = snap.filesystems.map((f) => f.dataset) as [string, string];
    await driver.destroySnapshot(first, `${snap.name}.cs${await storageId(first, snap.name)}`);
    assert.deepEqual([await stored(first, snap.name), await stored(second, snap.name)], [false, true]);

    const report = await service.running.reaper.run();
    assert.equal(report.deleted, 1);
    assert.equal((await get('half', snap.name)).status, 404);
    assert.deepEqual([await stored(first, snap.name), await stored(second, snap.name)], [false, false]);

    // A restart compares every record with storage: nothing left over either way.
    await service.running.close();
    service = await startTestService({ engine, clock: service.clock, config: service.config });
    assert.deepEqual(service.running.startup.recordsWithoutStorage, []);
    assert.deepEqual(service.running.startup.storageWithoutRecord, []);
  });

  async function storageId(dataset: string, name: string): Promise<string> {
    const found = (await driver.listSnapshots(dataset)).find((s) => s.name.startsWith(`${name}.cs`));
    return found?.name.slice(`${name}.cs`.length) ?? assert.fail(`no storage for ${name}`);
  }

  it('an undeletable snapshot does not stop the others; its error shows on GET; it is retried later', async () => {
    await runContainer('stubborn');
    service.clock.set('2026-06-01T00:00:00Z');
    const [a, b, c] = [await snapshot('stubborn', { expiry: 1 }), await snapshot('stubborn', { expiry: 1 }), await snapshot('stubborn', { expiry: 1 })];
    const rootfs = b.filesystems[0]?.dataset ?? assert.fail('no rootfs');
    const locked = await snapshotSubvolume(rootfs, b.name);
    await setImmutable(locked, true);
    try {
      service.clock.advance(DAY + 1000);
      const report = await service.running.reaper.run();
      assert.equal(report.deleted, 2);
      assert.equal(report.failed.length, 1);
      assert.equal((await get('stubborn', a.name)).status, 404);
      assert.equal((await get('stubborn', c.name)).status, 404);
      const stuck = await get('stubborn', b.name);
      assert.equal(stuck.status, 200);
      assert.equal(stuck.snapshot?.state, 'deleting');
      assert.match(stuck.snapshot.error ?? '', /delete failed: .*\((storage_\w+|internal_error)\)/);
      assert.doesNotMatch(stuck.snapshot.error ?? '', /Operation not permitted|\//, 'defect-11: no stderr or paths for clients');
      assert.equal(await stored(rootfs, b.name), true);

      // Backed off: the next minute's run leaves it alone.
      service.clock.advance(30_000);
      assert.deepEqual((await service.running.reaper.run()).failed, []);
    } finally {
      await setImmutable(locked, false);
    }
    service.clock.advance(60_000);
    assert.equal((await service.running.reaper.run()).deleted, 1);
    assert.equal((await get('stubborn', b.name)).status, 404);
    assert.equal(await stored(rootfs, b.name), false);
  });

  it('never deletes while a restore holds the container; reaps it once the restore is done', async () => {
    await runContainer('busy');
    service.clock.set('2026-07-01T00:00:00Z');
    const target = await snapshot('busy');
    const expiring = await snapshot('busy', { expiry: 1 });
    service.clock.advance(2 * DAY);

    // `sleep` ignores SIGTERM, so the restore's stop waits out the 2 s stop timeout: time enough.
    const restore = service.api('PATCH', `/containers/busy/snapshots/${target.name}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const during = await service.running.reaper.run();
    assert.equal(during.skippedBusy, 1);
    assert.equal((await get('busy', expiring.name)).snapshot?.state, 'ready');
    assert.equal((await restore).status, 200);

    assert.equal((await service.running.reaper.run()).deleted, 1);
    assert.equal((await get('busy', expiring.name)).status, 404);
  });

  it('a service SIGKILLed while its reaper deletes: the next start and run finish, records and storage agree', async () => {
    await runContainer('killed');
    service.clock.set('2026-08-01T00:00:00Z');
    const made: SnapshotJson[] = [];
    for (let i = 0; i < 40; i += 1) made.push(await snapshot('killed', { expiry: 1 }));
    const rootfs = made[0]?.filesystems[0]?.dataset ?? assert.fail('no rootfs');
    const { config, clock } = service;
    await service.running.close();

    // The same service in a child process, two days on: its start-up reaper run deletes at once.
    const configPath = join(config.stateDir, 'child-config.json');
    await writeFile(configPath, JSON.stringify(config));
    clock.advance(2 * DAY);
    const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'e2e', 'support', 'reaper-child.ts'), configPath, clock.now().toISOString(), '4'], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = once(child, 'exit');
    const db = new BetterSqlite3(config.databasePath, { readonly: true });
    let atKill: { total: number; deleting: number } = { total: 40, deleting: 0 };
    try {
      const count = db.prepare("SELECT count(*) AS total, count(*) FILTER (WHERE state = 'deleting') AS deleting FROM snapshots WHERE container_name = 'killed'");
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        atKill = count.get() as { total: number; deleting: number };
        if (atKill.total <= 30) break;
        await sleep(2);
      }
      child.kill('SIGKILL');
      await exited;
      atKill = count.get() as { total: number; deleting: number };
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      db.close();
    }
    assert.ok(atKill.total > 0 && atKill.total < 40, `killed halfway: ${atKill.total} of 40 records left`);
    assert.ok(atKill.deleting >= 1, 'killed in the middle of a delete');

    service = await startTestService({ engine, clock, config });
    await service.running.reaper.run();
    assert.deepEqual(service.running.startup.recordsWithoutStorage, []);
    assert.deepEqual(service.running.startup.storageWithoutRecord, []);
    const list = await service.api('GET', '/containers/killed/snapshots');
    assert.equal((list.body.data as { total: number }).total, 0);
    const names = new Set(made.map((s) => s.name));
    assert.deepEqual((await driver.listSnapshots(rootfs)).filter((s) => names.has(s.name.replace(/\.cs\d+$/, ''))), []);
  });
});
