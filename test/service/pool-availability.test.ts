/**
 * Defect 12: one missing pool must not stop the service. The real service (real SQLite, real btrfs pools
 * on loop devices, HTTP on 127.0.0.1; Docker is not needed for these checks and is left unreachable)
 * starts with a configured pool that is not there yet and a snapshot recorded on a pool that is no longer
 * configured; it reports both, answers 503 naming the pool where one is needed, and picks the missing pool
 * up once it appears.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { ManualClock } from '../../src/core/clock.js';
import { startService, type RunningService } from '../../src/service.js';
import { openStore } from '../../src/store/open-store.js';
import { createBtrfsPool, type TestBtrfsPool } from '../support/btrfs-pool.js';
import { needs } from '../support/components.js';
import { scratchDir } from '../support/scratch.js';
import { newSnapshot } from '../store/store-fixture.js';

const TOKEN = 'test-token-0123456789abcdef';
const CONTAINER = 'b'.repeat(64);

describe('defect-12 a missing pool does not stop the service', needs('btrfs'), () => {
  let pool: TestBtrfsPool | undefined;
  let started: RunningService | undefined;
  const running = (): RunningService => started ?? assert.fail('the service did not start');
  let late: string;
  const dir = scratchDir('pool-availability');

  before(async () => {
    pool = await createBtrfsPool({ sizeMiB: 256, quotas: false });
    late = join(pool.mountPoint, 'late');
    const mountPoint = pool.mountPoint;
    const databasePath = join(dir, 'cowsnap.db');
    const keyFile = join(dir, 'secret.key');
    const clock = new ManualClock('2026-04-01T00:00:00Z');
    // A snapshot recorded on pool "tank", which the configuration no longer has, and one on "late".
    const seeded = openStore({ databasePath, keyFile, clock });
    seeded.store.upsertContainer({ id: CONTAINER, name: '/gone', image: 'busybox' }, clock.now());
    for (const [poolId, dataset] of [['tank', 'tank/data'], ['late', join(late, 'data')]] as const) {
      const s = seeded.store.reserveSnapshot(
        newSnapshot({ containerId: CONTAINER, containerName: 'gone', createdAt: clock.now(), filesystems: [{ role: 'mount', mountPoint: '/data', driver: poolId === 'tank' ? 'zfs' : 'btrfs', pool: poolId, dataset }] }),
      );
      seeded.store.markSnapshotReady(s.id, { sizeBytes: 1, filesystems: s.filesystems });
      clock.advance(1000);
    }
    seeded.close();

    started = await startService(
      {
        listen: { host: '127.0.0.1', port: 0 },
        stateDir: dir,
        databasePath,
        keyFile,
        tokenFile: join(dir, 'token'),
        token: TOKEN,
        dockerSocket: join(dir, 'no-docker.sock'),
        remotes: [],
        pools: [
          { id: 'main', driver: 'btrfs', path: mountPoint },
          { id: 'late', driver: 'btrfs', path: late },
        ],
        reaperSchedule: '0 0 1 1 *',
        stopTimeoutSeconds: 1,
        logLevel: 'silent',
      },
      pino({ level: 'silent' }),
      { clock },
    );
  });

  after(async () => {
    await started?.close();
    await pool?.destroy();
  });

  async function health(token?: string): Promise<{ status: number; data: { ok: boolean; pools?: { id: string; ok: boolean; error?: string }[] } }> {
    const response = await fetch(`${running().url}/api/v1/health`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, data: ((await response.json()) as { data: { ok: boolean; pools?: { id: string; ok: boolean; error?: string }[] } }).data };
  }

  it('defect-12 starts, and the start-up report names the unavailable and the unconfigured pool', () => {
    const byId = new Map(running().startup.pools.map((p) => [p.id, p]));
    assert.equal(byId.get('main')?.available, true);
    assert.equal(byId.get('late')?.available, false);
    assert.match(byId.get('late')?.reason ?? '', /\(\w+\)$/, 'a sentence with a code');
    assert.doesNotMatch(byId.get('late')?.reason ?? '', new RegExp(late.replaceAll('/', '\\/')), 'no host path');
    assert.deepEqual([byId.get('tank')?.available, byId.get('tank')?.configured], [false, false]);
    assert.deepEqual(running().startup.recordsWithoutStorage, [], 'snapshots on pools it cannot see are not reported as lost');
  });

  it('defect-12 /health reports the pool as unavailable (details with the token only)', async () => {
    const anonymous = await health();
    assert.equal(anonymous.status, 503);
    assert.deepEqual(anonymous.data, { ok: false });
    const detailed = await health(TOKEN);
    const states = new Map((detailed.data.pools ?? []).map((p) => [p.id, p]));
    assert.equal(states.get('main')?.ok, true);
    assert.equal(states.get('late')?.ok, false);
    assert.match(states.get('late')?.error ?? '', /unavailable/);
  });

  it('defect-12 picks the pool up when it comes back', async () => {
    await new ExecFileRunner().run('btrfs', ['subvolume', 'create', late]);
    // Health results are cached for 2 s; the next check after that probes the missing pool again.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const detailed = await health(TOKEN);
    const states = new Map((detailed.data.pools ?? []).map((p) => [p.id, p]));
    assert.equal(states.get('late')?.ok, true, JSON.stringify(detailed.data));
  });
});
