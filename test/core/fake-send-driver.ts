/**
 * The part of a storage driver replica uploads use (send, snapshotIdentity), in memory. Each snapshot's
 * "stream" is deterministic bytes; an incremental one is shorter and names its parent, so tests can tell.
 */
import { PassThrough, Readable } from 'node:stream';
import { UnsupportedError } from '../../storage-drivers/common/errors.js';
import type { DriverCapabilities, SendOptions, SendStream, SnapshotIdentity, StorageDriver } from '../../storage-drivers/driver.js';

export interface SendCall {
  readonly dataset: string;
  readonly snapshot: string;
  readonly parent: string | undefined;
}

export class FakeSendDriver {
  readonly sends: SendCall[] = [];
  /** Makes the next send's process exit non-zero after its output. */
  failNextSend = false;
  fullBytes = 64 * 1024;
  /** Makes the next send write some bytes and then hang, like a sender blocked on a slow disk. */
  stallNextSend = false;
  /** Refuses every incremental send, as ZFS does for a parent no longer in the dataset's history. */
  refuseParents = false;

  constructor(readonly capabilities: Pick<DriverCapabilities, 'send' | 'incrementalSend'> = { send: true, incrementalSend: true }) {}

  asDriver(): StorageDriver {
    // Only send, snapshotIdentity and destroySnapshot are reached here; anything else is a test bug.
    return this as unknown as StorageDriver;
  }

  send(dataset: string, snapshot: string, options?: SendOptions): Promise<SendStream> {
    this.sends.push({ dataset, snapshot, parent: options?.parent });
    if (this.refuseParents && options?.parent !== undefined) {
      return Promise.reject(new UnsupportedError(`${options.parent} is not an older snapshot of ${dataset}; send it in full`));
    }
    const size = options?.parent === undefined ? this.fullBytes : 1024;
    const body = Buffer.alloc(size, `${dataset}|${snapshot}|${options?.parent ?? 'full'}|`);
    const fail = this.failNextSend;
    this.failNextSend = false;
    const stall = this.stallNextSend;
    this.stallNextSend = false;
    const stream = stall ? new PassThrough() : Readable.from([body]);
    if (stream instanceof PassThrough) stream.write(body);
    // Like a child process: the exit status is known once its output has ended.
    const done = new Promise<void>((resolve, reject) => {
      stream.on('end', () => {
        if (fail) reject(new Error('btrfs send failed: ERROR: /secret/host/path'));
        else resolve();
      });
      stream.on('close', () => {
        if (!stream.readableEnded) reject(new Error('send stream destroyed'));
      });
    });
    return Promise.resolve({ stream, done });
  }

  readonly destroyed: SendCall[] = [];

  /** The snapshot deleter's one call, so tests can delete local snapshots. */
  destroySnapshot(dataset: string, snapshot: string): Promise<void> {
    this.destroyed.push({ dataset, snapshot, parent: undefined });
    return Promise.resolve();
  }

  snapshotIdentity(dataset: string, snapshot: string): Promise<SnapshotIdentity> {
    return Promise.resolve({ id: `uuid:${dataset}:${snapshot}`, receivedFrom: null });
  }
}
