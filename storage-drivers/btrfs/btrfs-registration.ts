import type { DriverRegistration } from '../driver-registration.js';
import { BtrfsDriver } from './btrfs-driver.js';

export interface BtrfsPoolConfig {
  readonly id: string;
  readonly driver: 'btrfs';
  /** Mount point of the btrfs filesystem. */
  readonly path: string;
}

export const btrfsRegistration: DriverRegistration<'btrfs', BtrfsPoolConfig> = {
  name: 'btrfs',
  poolProperties: { path: { type: 'string', pattern: '^/', minLength: 2 } },
  requiredPoolProperties: ['path'],
  create: (pool, runner, hooks) => new BtrfsDriver({ poolPath: pool.path, runner, crashCheckpoint: hooks?.crashCheckpoint }),
  mountPath: (pool) => pool.path,
  datasetWord: 'subvolume',
};
