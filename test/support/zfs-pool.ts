import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { registerTeardown } from './cleanup.js';
import { scratchDir, uniqueZpoolName } from './scratch.js';
import { acquireZfsFuse, releaseZfsFuse } from './zfs-daemon.js';

export interface TestZfsPool {
  /** The pool's name, which is also its root dataset. */
  readonly name: string;
  readonly mountPoint: string;
  readonly imagePath: string;
  destroy(): Promise<void>;
}

export interface ZfsPoolOptions {
  readonly sizeMiB?: number;
}

/** A real ZFS pool (zfs-fuse) on a sparse file; zfs-fuse is started for it if needed. */
export async function createZfsPool(options: ZfsPoolOptions = {}): Promise<TestZfsPool> {
  const runner = new ExecFileRunner();
  const dir = scratchDir('zfs');
  const name = uniqueZpoolName();
  const imagePath = join(dir, 'pool.img');
  const mountPoint = join(dir, 'mnt');
  const destroySync = (): void => {
    // A dataset that was just unmounted can keep the pool busy for a moment under zfs-fuse.
    for (let attempt = 0; attempt < 20; attempt += 1) {
      if (spawnSync('zpool', ['destroy', '-f', name], { stdio: 'ignore' }).status === 0) break;
      if (spawnSync('zpool', ['list', name], { stdio: 'ignore' }).status !== 0) break;
      spawnSync('sleep', ['0.5']);
    }
    rmSync(dir, { recursive: true, force: true });
    releaseZfsFuse();
  };
  const registration = registerTeardown(
    `zfs pool ${name}`,
    // zpool destroy is quick; the sync form is also right for the normal path.
    () => {
      destroySync();
      return Promise.resolve();
    },
    destroySync,
  );
  acquireZfsFuse();
  await runner.run('truncate', ['-s', `${options.sizeMiB ?? 512}M`, imagePath]);
  // cachefile=none: zfs-fuse must not re-import a test pool after a restart, when its file is gone.
  await runner.run('zpool', ['create', '-o', 'cachefile=none', '-m', mountPoint, name, imagePath]);
  return { name, mountPoint, imagePath, destroy: () => registration.release() };
}

export async function withZfsPool<T>(body: (pool: TestZfsPool) => Promise<T>, options?: ZfsPoolOptions): Promise<T> {
  const pool = await createZfsPool(options);
  try {
    return await body(pool);
  } finally {
    await pool.destroy();
  }
}
