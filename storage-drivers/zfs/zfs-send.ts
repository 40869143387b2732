import { spawnSendStream } from '../common/child-stream.js';
import { UnsupportedError } from '../common/errors.js';
import type { SendOptions, SendStream, SnapshotIdentity } from '../driver.js';
import type { PhysicalSnapshot } from './zfs-catalog.js';
import type { ZfsCommands } from './zfs-commands.js';

/** What send and identity need from the driver. */
export interface ZfsSendContext {
  readonly zfs: ZfsCommands;
  /** The live snapshot (dataset, name) wherever it physically sits; NotFoundError otherwise. */
  requireSnapshot(dataset: string, name: string): Promise<PhysicalSnapshot>;
}

/**
 * `zfs send [-i parent] snapshot` as a stream. The snapshot may sit in the dataset or in one of its
 * lineages (restores and receives move snapshots there); ZFS sends it the same from anywhere.
 */
export async function sendSnapshot(ctx: ZfsSendContext, dataset: string, snapshot: string, options: SendOptions = {}): Promise<SendStream> {
  const sent = await ctx.requireSnapshot(dataset, snapshot);
  const from: string[] = [];
  if (options.parent !== undefined) {
    const parent = await ctx.requireSnapshot(dataset, options.parent);
    await assertIncrementalSource(ctx.zfs, dataset, parent, sent);
    from.push('-i', parent.full);
  }
  return spawnSendStream('zfs', ['send', ...from, sent.full]);
}

/**
 * ZFS makes an incremental stream only from an older snapshot of the same filesystem or from the
 * origin of a clone (zfs-fuse takes nothing else; OpenZFS a little more). Between snapshots that a
 * restore put into different lineages there is no such path. `zfs send` would then fail after the
 * stream had started empty, so this is checked first and said in words the caller can act on.
 */
async function assertIncrementalSource(zfs: ZfsCommands, dataset: string, parent: PhysicalSnapshot, sent: PhysicalSnapshot): Promise<void> {
  if (parent.full === sent.full) {
    throw new UnsupportedError(`cannot send ${sent.name} of ${dataset} incrementally from itself`);
  }
  if (parent.physical === sent.physical) {
    const rows = await zfs.getProperties([parent.full, sent.full], ['createtxg']);
    const txg = (name: string): number => Number(rows.find((row) => row.name === name)?.value);
    if (txg(parent.full) < txg(sent.full)) return;
  } else if ((await zfs.getProperty(sent.physical, 'origin')) === parent.full) {
    return;
  }
  throw new UnsupportedError(
    `cannot send ${sent.name} of ${dataset} incrementally from ${parent.name}: on ZFS the parent must be an older snapshot ` +
      'of the same line of history, and a restore in between started a new one; send it in full',
  );
}

/** ZFS keeps a snapshot's guid through send and receive, so the guid is both its id and where it came from. */
export async function snapshotIdentity(ctx: ZfsSendContext, dataset: string, snapshot: string): Promise<SnapshotIdentity> {
  const found = await ctx.requireSnapshot(dataset, snapshot);
  const guid = await ctx.zfs.getProperty(found.full, 'guid');
  return { id: guid, receivedFrom: guid };
}
