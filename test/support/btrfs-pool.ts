import { rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { closeLoopBtrfsPool, openLoopBtrfsPool, type LoopBtrfsPool } from '../../src/embedded/loop-btrfs-pool.js';
import { registerTeardown, runQuietly } from './cleanup.js';
import { scratchDir } from './scratch.js';

export interface TestBtrfsPool extends LoopBtrfsPool {
  destroy(): Promise<void>;
}

export interface BtrfsPoolOptions {
  readonly sizeMiB?: number;
  readonly quotas?: boolean;
}

/** A real btrfs filesystem on a loop-mounted sparse file, with quotas on unless asked otherwise. */
export async function createBtrfsPool(options: BtrfsPoolOptions = {}): Promise<TestBtrfsPool> {
  const runner = new ExecFileRunner();
  const dir = scratchDir('btrfs');
  const pool = { imagePath: join(dir, 'pool.img'), mountPoint: join(dir, 'mnt') };
  const registration = registerTeardown(
    `btrfs pool ${pool.mountPoint}`,
    async () => {
      await closeLoopBtrfsPool(runner, pool);
      await rm(dir, { recursive: true, force: true });
    },
    () => {
      runQuietly('umount', ['-R', pool.mountPoint]);
      runQuietly('sh', ['-c', 'for d in $(losetup -n -O NAME -j "$1"); do losetup -d "$d"; done', 'sh', pool.imagePath]);
      rmSync(dir, { recursive: true, force: true });
    },
  );
  // mkfs.btrfs needs at least ~114 MiB; 1 GiB sparse costs nothing until written.
  await openLoopBtrfsPool(runner, {
    ...pool,
    sizeBytes: (options.sizeMiB ?? 1024) * 1024 * 1024,
    quotas: options.quotas ?? true,
  });
  return { ...pool, destroy: () => registration.release() };
}

/** Runs `body` with a fresh pool and always destroys it afterwards. */
export async function withBtrfsPool<T>(body: (pool: TestBtrfsPool) => Promise<T>, options?: BtrfsPoolOptions): Promise<T> {
  const pool = await createBtrfsPool(options);
  try {
    return await body(pool);
  } finally {
    await pool.destroy();
  }
}
