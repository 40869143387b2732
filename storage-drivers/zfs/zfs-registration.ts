import type { DriverRegistration } from '../driver-registration.js';
import { ZfsDriver } from './zfs-driver.js';

export interface ZfsPoolConfig {
  readonly id: string;
  readonly driver: 'zfs';
  /** Root dataset cowsnap may use, e.g. "tank" or "tank/containers". */
  readonly dataset: string;
}

export const zfsRegistration: DriverRegistration<'zfs', ZfsPoolConfig> = {
  name: 'zfs',
  poolProperties: { dataset: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*(/[A-Za-z0-9_.:-]+)*$' } },
  requiredPoolProperties: ['dataset'],
  create: (pool, runner, hooks) => new ZfsDriver({ rootDataset: pool.dataset, runner, warn: hooks?.warn }),
  // Where a ZFS dataset is mounted is zfs's business; without asking it, no folder is known.
  mountPath: () => undefined,
  datasetWord: 'dataset',
};
