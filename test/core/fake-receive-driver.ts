/**
 * The part of a storage driver a replica download uses (receive, snapshotIdentity, childDataset,
 * datasetForPath, destroySnapshot, info), in memory. A "stream" here is the sent snapshot's identity as
 * text, so a received snapshot's receivedFrom is what the manifest says it should be.
 */
import type { Readable } from 'node:stream';
import { NotFoundError } from '../../storage-drivers/common/errors.js';
import { NO_CAPABILITIES } from '../../storage-drivers/driver-base.js';
import type { DriverInfo, ReceiveTarget, SnapshotIdentity, StorageDriver } from '../../storage-drivers/driver.js';

export class FakeReceiveDriver {
  /** `dataset@snapshot` → the identity the stream carried. */
  readonly received = new Map<string, string>();
  /** Every receive started, in order (dataset@snapshot). */
  readonly receives: string[] = [];

  constructor(private readonly pool: string) {}

  asDriver(): StorageDriver {
    // Only the methods below are reached by the downloader; anything else is a test bug.
    return this as unknown as StorageDriver;
  }

  info(): DriverInfo {
    return { name: 'btrfs', version: 'fake', pool: this.pool, capabilities: { ...NO_CAPABILITIES, send: true, incrementalSend: true } };
  }

  childDataset(name: string): string {
    return `${this.pool}/${name}`;
  }

  datasetForPath(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  async receive(stream: Readable, target: ReceiveTarget): Promise<void> {
    const key = `${target.dataset}@${target.snapshot}`;
    this.receives.push(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    if (this.received.has(key)) throw new Error(`${key} received twice`);
    this.received.set(key, Buffer.concat(chunks).toString());
  }

  snapshotIdentity(dataset: string, snapshot: string): Promise<SnapshotIdentity> {
    const from = this.received.get(`${dataset}@${snapshot}`);
    if (from === undefined) return Promise.reject(new NotFoundError(`no snapshot ${dataset}@${snapshot}`));
    return Promise.resolve({ id: `local:${dataset}@${snapshot}`, receivedFrom: from });
  }

  destroySnapshot(dataset: string, snapshot: string): Promise<void> {
    this.received.delete(`${dataset}@${snapshot}`);
    return Promise.resolve();
  }
}
