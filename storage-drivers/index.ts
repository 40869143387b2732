import type { PoolConfig } from '../src/config/config.js';
import { BtrfsDriver } from './btrfs/btrfs-driver.js';
import type { CommandRunner } from './common/command-runner.js';
import { UnsupportedError } from './common/errors.js';
import type { StorageDriver } from './driver.js';

/** The driver for one configured pool. Call probe() on it before use. */
export function createDriver(pool: PoolConfig, runner: CommandRunner): StorageDriver {
  switch (pool.driver) {
    case 'btrfs':
      return new BtrfsDriver({ poolPath: pool.path, runner });
    default:
      throw new UnsupportedError(`storage driver "${pool.driver}" is not available yet`);
  }
}
