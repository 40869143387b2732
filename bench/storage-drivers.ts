/**
 * Storage driver latency next to a plain copy, on real pools:
 *   node --import tsx bench/storage-drivers.ts [--driver btrfs|zfs] [--sizes 0.1,1,5]
 * (zfs: a zfs-fuse pool on a file, the driver's root dataset `<pool>/cowsnap`.)
 * For each size (GiB) it fills a dataset with 1 MiB files, then times createSnapshot, restoreSnapshot and
 * cloneSnapshot, and `cp -a` of the same tree in the same pool (coreutils ≥ 9 reflinks on btrfs by
 * default, so `cp -a --reflink=never` is timed too: that is what a real copy costs). Everything it
 * creates is torn down, also on Ctrl-C (the test fixtures' teardown registry).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BtrfsDriver } from '../storage-drivers/btrfs/btrfs-driver.js';
import { ExecFileRunner } from '../storage-drivers/common/command-runner.js';
import type { StorageDriver } from '../storage-drivers/driver.js';
import { ZfsDriver } from '../storage-drivers/zfs/zfs-driver.js';
import { createBtrfsPool } from '../test/support/btrfs-pool.js';
import { createZfsPool } from '../test/support/zfs-pool.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const runner = new ExecFileRunner();

interface BenchPool {
  readonly driver: StorageDriver;
  /** A dataset address inside the pool. */
  dataset(name: string): string;
  /** A plain folder on the same pool for the `cp -a` comparison. */
  plainDir(name: string): Promise<string>;
  /** Makes written data durable, so copies are timed to the disk and not to the page cache. */
  sync(): Promise<void>;
  teardown(): Promise<void>;
}

async function btrfsPool(dataBytes: number): Promise<BenchPool> {
  // Room for the data, three real copies (cp --reflink=never twice over the runs) and metadata.
  const pool = await createBtrfsPool({ sizeMiB: Math.ceil((dataBytes * 4) / MiB) + 1024 });
  const driver = new BtrfsDriver({ poolPath: pool.mountPoint, runner });
  await driver.probe();
  return {
    driver,
    dataset: (name) => join(pool.mountPoint, name),
    plainDir: async (name) => {
      const dir = join(pool.mountPoint, 'plain', name);
      await mkdir(dir, { recursive: true });
      return dir;
    },
    sync: async () => {
      await runner.run('btrfs', ['filesystem', 'sync', pool.mountPoint]);
    },
    teardown: () => pool.destroy(),
  };
}

async function zfsPool(dataBytes: number): Promise<BenchPool> {
  // A zfs-fuse pool on a sparse file; cp -a on ZFS always copies for real, so two copies plus the data.
  const pool = await createZfsPool({ sizeMiB: Math.ceil((dataBytes * 4) / MiB) + 1024 });
  const root = `${pool.name}/cowsnap`;
  await runner.run('zfs', ['create', root]);
  const driver = new ZfsDriver({ rootDataset: root, runner });
  await driver.probe();
  return {
    driver,
    dataset: (name) => `${root}/${name}`,
    plainDir: async (name) => {
      const dir = join(pool.mountPoint, 'plain', name);
      await mkdir(dir, { recursive: true });
      return dir;
    },
    sync: async () => {
      await runner.run('sync', []);
    },
    teardown: () => pool.destroy(),
  };
}

const POOLS: Record<string, ((dataBytes: number) => Promise<BenchPool>) | undefined> = { btrfs: btrfsPool, zfs: zfsPool };

async function fill(root: string, bytes: number): Promise<void> {
  const block = randomBytes(16 * MiB);
  const files = Math.max(1, Math.round(bytes / MiB));
  for (let i = 0; i < files; i += 1) {
    const dir = join(root, `d${Math.floor(i / 256)}`);
    if (i % 256 === 0) await mkdir(dir, { recursive: true });
    const handle = await open(join(dir, `f${i}.bin`), 'w');
    const offset = (i * 4096) % (15 * MiB);
    // Each file differs (its own slice, its own number) so nothing could be deduplicated.
    await handle.write(block.subarray(offset, offset + MiB - 8));
    await handle.write(Buffer.from(String(i).padStart(8, '0')));
    await handle.close();
  }
}

async function time(body: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await body();
  return performance.now() - start;
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(1)} ms` : value < 10_000 ? `${value.toFixed(0)} ms` : `${(value / 1000).toFixed(1)} s`;
}

async function benchSize(driverName: string, makePool: (bytes: number) => Promise<BenchPool>, gib: number): Promise<string[]> {
  const bytes = gib * GiB;
  const pool = await makePool(bytes);
  try {
    const ds = pool.dataset('bench');
    await pool.driver.createDataset(ds);
    const root = await pool.driver.mountPath(ds);
    await fill(root, bytes);
    await pool.sync();
    const snapshot = await time(() => pool.driver.createSnapshot(ds, 'bench-snap'));
    await fill(join(root, 'later'), 8 * MiB);
    const restore = await time(() => pool.driver.restoreSnapshot(ds, 'bench-snap'));
    const clone = await time(() => pool.driver.cloneSnapshot(ds, 'bench-snap', pool.dataset('bench-clone')));
    const src = await pool.driver.mountPath(ds);
    const cpDefault = await time(async () => {
      await runner.run('cp', ['-a', src, join(await pool.plainDir('cp-default'), 'copy')]);
      await pool.sync();
    });
    const cpReal = await time(async () => {
      await runner.run('cp', ['-a', '--reflink=never', src, join(await pool.plainDir('cp-real'), 'copy')]);
      await pool.sync();
    });
    const row = [driverName, `${gib} GiB`, ms(snapshot), ms(restore), ms(clone), ms(cpDefault), ms(cpReal)];
    console.log(row.join(' | '));
    return row;
  } finally {
    await pool.teardown();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { driver: { type: 'string', default: 'btrfs' }, sizes: { type: 'string', default: '0.1,1,5' } } });
  const makePool = POOLS[values.driver];
  if (makePool === undefined) throw new Error(`unknown --driver ${values.driver}; known: ${Object.keys(POOLS).join(', ')}`);
  const sizes = values.sizes.split(',').map(Number);
  const bad = sizes.filter((s) => !Number.isFinite(s) || s <= 0);
  if (bad.length > 0 || sizes.length === 0) throw new Error(`--sizes must be positive GiB numbers, e.g. 0.1,1 (got ${values.sizes})`);
  console.log('driver | data | snapshot | restore | clone | cp -a | cp -a --reflink=never');
  for (const gib of sizes) await benchSize(values.driver, makePool, gib);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
