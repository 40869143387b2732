/**
 * Issue #17 goal 4, start-up recovery stays flat: every start-up checks each snapshot kept twice (recover()
 * looks for incomplete snapshot folders, the comparison with the records lists each dataset). At 10,000
 * snapshots three promise-based stats per snapshot (a thread-pool round trip each) cost 2.6–5 s of a start-up
 * (bench/README.md, Session 8). The checks are now synchronous stats in batches: the number of promise-based
 * stats must not grow with the snapshots, and the answers stay the same (every complete snapshot listed, an
 * incomplete one neither listed nor left behind by recover()). The pool's probe, also at every start-up, ran
 * `btrfs subvolume show` and `btrfs qgroup show`, which read every subvolume / qgroup (~0.3 s at 10,000).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BtrfsDriver } from '../../storage-drivers/btrfs/btrfs-driver.js';
import { BtrfsLayout } from '../../storage-drivers/btrfs/btrfs-layout.js';
import { ExecFileRunner, type CommandResult, type CommandRunner } from '../../storage-drivers/common/command-runner.js';
import { createBtrfsPool, type TestBtrfsPool } from '../support/btrfs-pool.js';
import { needs } from '../support/components.js';

const SNAPSHOTS = 60;

/** Counts the promise-based lstat/stat calls made (anywhere in this process) while `body` runs. */
async function countPromiseStats<T>(body: () => Promise<T>): Promise<{ result: T; stats: number }> {
  const { lstat, stat } = fs.promises;
  let stats = 0;
  fs.promises.lstat = ((...args: Parameters<typeof lstat>) => {
    stats += 1;
    return lstat(...args);
  }) as typeof lstat;
  fs.promises.stat = ((...args: Parameters<typeof stat>) => {
    stats += 1;
    return stat(...args);
  }) as typeof stat;
  syncBuiltinESMExports();
  try {
    return { result: await body(), stats };
  } finally {
    fs.promises.lstat = lstat;
    fs.promises.stat = stat;
    syncBuiltinESMExports();
  }
}

/** Runs commands for real and remembers each one's first two arguments. */
class RecordingRunner implements CommandRunner {
  readonly inner = new ExecFileRunner();
  readonly commands: string[] = [];
  run(command: string, args: readonly string[]): Promise<CommandResult> {
    this.commands.push([command, ...args.slice(0, 2)].join(' '));
    return this.inner.run(command, args);
  }
}

describe('btrfs: the per-snapshot checks of every start-up', needs('btrfs'), () => {
  const runner = new ExecFileRunner();
  let pool: TestBtrfsPool;
  let driver: BtrfsDriver;
  let dataset: string;
  const names: string[] = [];

  before(async () => {
    pool = await createBtrfsPool({ quotas: false });
    driver = new BtrfsDriver({ poolPath: pool.mountPoint, runner });
    await driver.probe();
    dataset = join(pool.mountPoint, 'data');
    await driver.createDataset(dataset);
    // Raw read-only snapshots at the driver's layout: what createSnapshot leaves, without its per-create probes.
    const layout = new BtrfsLayout(pool.mountPoint);
    for (let i = 0; i < SNAPSHOTS; i += 1) {
      const name = `s${String(i).padStart(3, '0')}.cs${String(i + 1)}`;
      await mkdir(layout.snapshotFolder(dataset, name), { recursive: true });
      await runner.run('btrfs', ['subvolume', 'snapshot', '-r', dataset, layout.snapshotPath(dataset, name)]);
      names.push(name);
    }
    // A crash between the folder's mkdir and the snapshot: an incomplete folder.
    await mkdir(layout.snapshotFolder(dataset, 'half.cs999'));
  });
  after(() => pool.destroy());

  it(`lists ${String(SNAPSHOTS)} snapshots with no promise-based stat per snapshot, the incomplete one left out`, async () => {
    const { result, stats } = await countPromiseStats(() => driver.listSnapshots(dataset));
    assert.deepEqual(result.map((s) => s.name).sort(), names);
    assert.ok(result.every((s) => s.createdAt.getTime() > 0), 'each has its folder birth time');
    assert.ok(stats <= 2, `${String(stats)} promise-based stats for ${String(SNAPSHOTS)} snapshots`);
  });

  it('recover() finds the incomplete folder among them with no promise-based stat per snapshot', async () => {
    const { result, stats } = await countPromiseStats(() => driver.recover());
    assert.deepEqual(
      result.map((action) => [action.action, action.detail]),
      [['cleaned', 'removed incomplete snapshot half.cs999']],
    );
    // The leftover's own removal stats a few paths; the complete snapshots cost none.
    assert.ok(stats <= 10, `${String(stats)} promise-based stats for ${String(SNAPSHOTS)} snapshots`);
    assert.deepEqual((await driver.listSnapshots(dataset)).map((s) => s.name).sort(), names, 'every complete snapshot kept');
    assert.equal(fs.existsSync(new BtrfsLayout(pool.mountPoint).snapshotFolder(dataset, 'half.cs999')), false);
  });

  it('probes the pool without a command that reads every subvolume or qgroup (0.3 s of a start-up at 10,000)', async () => {
    const recording = new RecordingRunner();
    const probed = await new BtrfsDriver({ poolPath: pool.mountPoint, runner: recording }).probe();
    assert.equal(probed.capabilities.usageAccounting, false, 'quotas are off on this pool');
    assert.deepEqual(recording.commands.filter((command) => /subvolume (show|list)|qgroup show/.test(command)), []);
    await recording.inner.run('btrfs', ['quota', 'enable', pool.mountPoint]);
    try {
      assert.equal((await new BtrfsDriver({ poolPath: pool.mountPoint, runner: recording }).probe()).capabilities.usageAccounting, true);
    } finally {
      await recording.inner.run('btrfs', ['quota', 'disable', pool.mountPoint]);
    }
    assert.deepEqual(recording.commands.filter((command) => /subvolume (show|list)|qgroup show/.test(command)), []);
  });
});
