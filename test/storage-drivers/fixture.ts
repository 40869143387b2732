import type { CommandRunner } from '../../storage-drivers/common/command-runner.js';
import type { StorageDriver } from '../../storage-drivers/driver.js';

/** What a driver's test file hands the shared conformance suite: a probed driver on a real, fresh pool. */
export interface ConformanceFixture {
  readonly driver: StorageDriver;
  /** Creates a fresh, empty dataset whose name is derived from `name` and returns its address. */
  newDataset(name: string): Promise<string>;
  /** The address a dataset called `name` would have (clone targets); does not create it. */
  datasetName(name: string): string;
  /**
   * Makes a dataset nested in `dataset` at `relative` (below its mount path) the way a process in a
   * container would: btrfs `subvolume create`, zfs a child dataset. Parents must exist.
   */
  nestDataset(dataset: string, relative: string): Promise<void>;
  /** A driver of the same kind on the same pool that uses `runner` (not probed): for the bad-name checks. */
  driverWithRunner(runner: CommandRunner): StorageDriver;
  /**
   * Everything on the pool, cowsnap's internal things included (btrfs: every subvolume and folder of
   * `.cowsnap`; zfs: every dataset and snapshot): equal before and after means nothing was left behind.
   */
  inventory(): Promise<string[]>;
  /** Removes the pool and everything in it. */
  teardown(): Promise<void>;
}

export interface FixtureOptions {
  /** Pool size; the no-space case asks for a small pool of its own. */
  readonly sizeMiB?: number;
}

export type ConformanceSetup = (options: FixtureOptions) => Promise<ConformanceFixture>;
