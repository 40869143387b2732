/**
 * What the rest of cowsnap needs to know about a storage driver besides the StorageDriver contract: its
 * name, how a pool of it is configured (schema fragment and type), how to make one, and what to call its
 * datasets in messages. A new driver is one folder and one line in `index.ts`.
 */
import type { CommandRunner } from './common/command-runner.js';
import type { CrashCheckpoint } from './common/crash-checkpoint.js';
import type { StorageDriver } from './driver.js';

export interface DriverRegistration<Name extends string, Pool extends { readonly id: string; readonly driver: Name }> {
  readonly name: Name;
  /** JSON-schema properties of a pool entry besides `id` and `driver`, and which of them are required. */
  readonly poolProperties: Readonly<Record<string, object>>;
  readonly requiredPoolProperties: readonly string[];
  create(pool: Pool, runner: CommandRunner, hooks?: DriverTestHooks): StorageDriver;
  /** The pool's folder when its configuration names one (lets capture refuse a mount on a pool that is down). */
  mountPath(pool: Pool): string | undefined;
  /** "subvolume", "dataset": the word for one of its datasets in messages. */
  readonly datasetWord: string;
}

/** A warning a driver logs through the service's logger (fields first, as pino takes them). */
export type DriverWarn = (fields: Record<string, unknown>, message: string) => void;

/** What the service hands a driver besides its pool: its warn log; crash tests add a checkpoint. */
export interface DriverTestHooks {
  readonly crashCheckpoint?: CrashCheckpoint | undefined;
  readonly warn?: DriverWarn | undefined;
}
