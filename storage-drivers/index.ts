import type { PoolConfig } from '../src/config/config.js';
import { BtrfsDriver } from './btrfs/btrfs-driver.js';
import type { CommandRunner } from './common/command-runner.js';
import { UnsupportedError } from './common/errors.js';
import type { StorageDriver } from './driver.js';
import { ZfsDriver } from './zfs/zfs-driver.js';

/** The driver for one configured pool. Call probe() on it before use. */
export function createDriver(pool: PoolConfig, runner: CommandRunner): StorageDriver {
  switch (pool.driver) {
    case 'btrfs':
      return new BtrfsDriver({ poolPath: pool.path, runner });
    case 'zfs':
      return new ZfsDriver({ rootDataset: pool.dataset, runner });
    default: {
      // Configuration is validated at start-up; this guards against a driver added there but not here.
      const unknown: { driver: string } = pool;
      throw new UnsupportedError(`storage driver "${unknown.driver}" is not available`);
    }
  }
}
