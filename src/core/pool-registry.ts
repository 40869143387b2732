import type { StorageDriver } from '../../storage-drivers/driver.js';
import { ServiceUnavailableError } from '../errors/service-unavailable-error.js';
import type { CapturedFilesystem } from './model.js';

export interface RegisteredPool {
  readonly id: string;
  readonly driver: StorageDriver;
}

/** The configured pools by id: the one way the core finds the driver for a captured filesystem. */
export class PoolRegistry {
  private readonly byId: Map<string, RegisteredPool>;

  constructor(readonly pools: readonly RegisteredPool[]) {
    this.byId = new Map(pools.map((pool) => [pool.id, pool]));
  }

  driverFor(filesystem: Pick<CapturedFilesystem, 'pool'>): StorageDriver {
    const pool = this.byId.get(filesystem.pool);
    if (pool === undefined) {
      throw new ServiceUnavailableError(
        'pool_unavailable',
        `Pool "${filesystem.pool}" is not configured (any more); its snapshots cannot be used until it is.`,
      );
    }
    return pool.driver;
  }
}
