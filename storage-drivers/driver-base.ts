/**
 * The base every storage driver extends (Incus' `common` driver): what each driver must do is abstract
 * here, and what hangs on a capability answers "not supported". A new driver (an XFS-reflink or overlay2
 * one) implements what it can, sets those capabilities in probe(), and the layers above check the
 * capabilities before they ask (diff: 'none', send: false, restoreAnySnapshot: false, ...).
 */
import type { Readable } from 'node:stream';
import { UnsupportedError } from './common/errors.js';
import type {
  DiffEntry,
  DiffOptions,
  DriverCapabilities,
  DriverInfo,
  PoolSpace,
  ReceiveTarget,
  RecoveryAction,
  RestoreOptions,
  SendOptions,
  SendStream,
  SnapshotIdentity,
  SnapshotInfo,
  StorageDriver,
  Usage,
} from './driver.js';

/** What a driver can do when it implements nothing beyond the abstract methods: a start for probe(). */
export const NO_CAPABILITIES: DriverCapabilities = {
  restoreAnySnapshot: false,
  usageAccounting: false,
  diff: 'none',
  holds: false,
  deferredDestroy: false,
  nestedDatasets: false,
  send: false,
  incrementalSend: false,
  resumableReceive: false,
};

/** Sizes a driver without usage accounting reports: unknown, never a guess. */
export const UNKNOWN_USAGE: Usage = { exclusiveBytes: null, referencedBytes: null };

export abstract class DriverBase implements StorageDriver {
  abstract probe(): Promise<DriverInfo>;
  abstract info(): DriverInfo;

  abstract createDataset(dataset: string): Promise<void>;
  abstract destroyDataset(dataset: string): Promise<void>;
  abstract datasetExists(dataset: string): Promise<boolean>;
  abstract listDatasets(): Promise<string[]>;
  abstract mountPath(dataset: string): Promise<string>;
  abstract childDataset(name: string): string;
  abstract datasetForPath(hostPath: string): Promise<string | undefined>;

  abstract createSnapshot(dataset: string, name: string): Promise<SnapshotInfo>;
  abstract listSnapshots(dataset: string): Promise<SnapshotInfo[]>;
  abstract snapshotExists(dataset: string, name: string): Promise<boolean>;
  abstract destroySnapshot(dataset: string, name: string): Promise<void>;
  abstract cloneSnapshot(dataset: string, name: string, target: string): Promise<void>;
  abstract poolSpace(): Promise<PoolSpace>;

  /** Capability `restoreAnySnapshot`. */
  restoreSnapshot(dataset: string, name: string, _options?: RestoreOptions): Promise<void> {
    return unsupported(`restore snapshot ${name} of ${dataset}`);
  }

  /** Only restore needs it (to tell a completed swap after a crash). */
  datasetIdentity(dataset: string): Promise<string> {
    return unsupported(`tell the identity of ${dataset}`);
  }

  /** A driver whose every operation is one atomic step leaves nothing half done to recover. */
  recover(): Promise<RecoveryAction[]> {
    return Promise.resolve([]);
  }

  /** Capability `usageAccounting`: without it, sizes are unknown. */
  snapshotUsage(_dataset: string, _name: string): Promise<Usage> {
    return Promise.resolve(UNKNOWN_USAGE);
  }

  datasetUsage(_dataset: string): Promise<Usage> {
    return Promise.resolve(UNKNOWN_USAGE);
  }

  /** Capability `diff` ('none' here). */
  diff(dataset: string, from: string, _to?: string, _options?: DiffOptions): Promise<DiffEntry[]> {
    return unsupported(`compare snapshot ${from} of ${dataset}`);
  }

  /** Capability `send`. */
  send(dataset: string, snapshot: string, _options?: SendOptions): Promise<SendStream> {
    return unsupported(`send snapshot ${snapshot} of ${dataset}`);
  }

  receive(stream: Readable, target: ReceiveTarget): Promise<void> {
    // The stream is not read: it must not keep its producer waiting.
    stream.destroy();
    return unsupported(`receive snapshot ${target.snapshot} of ${target.dataset}`);
  }

  snapshotIdentity(dataset: string, snapshot: string): Promise<SnapshotIdentity> {
    return unsupported(`tell the identity of snapshot ${snapshot} of ${dataset}`);
  }
}

function unsupported(what: string): Promise<never> {
  return Promise.reject(new UnsupportedError(`this storage driver cannot ${what}`));
}
