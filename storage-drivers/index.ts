/**
 * The storage drivers cowsnap has: one registration per driver (see driver-registration.ts). Everything
 * that lists drivers (configuration schema, API and manifest schemas, start-up) reads it from here.
 */
import { btrfsRegistration, type BtrfsPoolConfig } from './btrfs/btrfs-registration.js';
import type { CommandRunner } from './common/command-runner.js';
import { UnsupportedError } from './common/errors.js';
import type { DriverRegistration, DriverTestHooks } from './driver-registration.js';
import type { StorageDriver } from './driver.js';
import { zfsRegistration, type ZfsPoolConfig } from './zfs/zfs-registration.js';

export type { BtrfsPoolConfig } from './btrfs/btrfs-registration.js';
export type { ZfsPoolConfig } from './zfs/zfs-registration.js';

/** One configured pool, of any driver. */
export type PoolConfig = BtrfsPoolConfig | ZfsPoolConfig;

export const DRIVERS = [btrfsRegistration, zfsRegistration] as const;

export const DRIVER_NAMES: readonly string[] = DRIVERS.map((driver) => driver.name);

/**
 * Registrations by name, their pool types widened: the configuration was validated against each
 * driver's own schema, so a pool always meets its own driver's registration.
 */
const byName = new Map(DRIVERS.map((driver) => [driver.name as string, driver as unknown as DriverRegistration<string, PoolConfig>]));

function registrationOf(pool: PoolConfig): DriverRegistration<string, PoolConfig> {
  const registration = byName.get(pool.driver);
  // Configuration is validated at start-up; this guards against a driver named there but not registered.
  if (registration === undefined) throw new UnsupportedError(`storage driver "${pool.driver}" is not available`);
  return registration;
}

/** The driver for one configured pool. Call probe() on it before use. */
export function createDriver(pool: PoolConfig, runner: CommandRunner, hooks?: DriverTestHooks): StorageDriver {
  return registrationOf(pool).create(pool, runner, hooks);
}

/** The pool's folder when its configuration names one. */
export function poolMountPath(pool: PoolConfig): string | undefined {
  return registrationOf(pool).mountPath(pool);
}

/** The word for one dataset of a driver in messages ("subvolume", "dataset"). */
export function datasetWord(driverName: string): string {
  return byName.get(driverName)?.datasetWord ?? 'dataset';
}
