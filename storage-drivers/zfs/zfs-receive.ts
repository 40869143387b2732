import type { Readable } from 'node:stream';
import { runWithInput, splitHead } from '../common/child-stream.js';
import { AlreadyExistsError, CommandFailedError, InvalidStreamError, NotFoundError } from '../common/errors.js';
import type { ReceiveTarget, RecoveryAction } from '../driver.js';
import { PROP, type PhysicalSnapshot, type ZfsCatalog } from './zfs-catalog.js';
import type { ZfsCommands } from './zfs-commands.js';
import { toZfsError } from './zfs-errors.js';
import { newId, type ZfsNames } from './zfs-names.js';
import { BEGIN_RECORD_BYTES, readZfsStreamStart } from './zfs-stream-header.js';

/** What receive needs from the driver. */
export interface ZfsReceiveContext {
  readonly zfs: ZfsCommands;
  readonly names: ZfsNames;
  readonly catalog: ZfsCatalog;
  ensureInternal(): Promise<void>;
}

/**
 * Receives a stream made by `zfs send` into a lineage of `target.dataset` (an internal dataset tagged
 * with the logical name, as restores make), so the live dataset, if there is one, is never touched and
 * every snapshot operation finds the received snapshot like a local one.
 *
 * - Full stream (or a clone stream: incremental from a clone's origin, which ZFS receives as a new clone
 *   of the parent): `zfs recv` into `cowsnap-internal/receive-<id>`, tagged and renamed to `lineage-<id>`
 *   only after it succeeded. A failed receive removes that dataset; one a crash left is found by
 *   recover() by its name.
 * - Incremental stream: the parent is found by guid among the dataset's snapshots. When it is the
 *   newest snapshot of a lineage, the stream goes into that lineage: `zfs recv` works in a hidden
 *   clone there and swaps it in only when the whole stream arrived, so a failure leaves the lineage as
 *   it was. Otherwise (the parent is in the live dataset, or newer snapshots follow it) a clone of the
 *   parent is promoted so the parent becomes its newest snapshot, the stream goes there, and on failure
 *   the promotion is undone and the clone dropped.
 *
 * No `-u`: zfs-fuse's recv lacks it; the internal parent's mountpoint=none keeps received datasets unmounted.
 */
export async function receiveSnapshot(ctx: ZfsReceiveContext, stream: Readable, target: ReceiveTarget): Promise<void> {
  let input = stream;
  try {
    ctx.names.assertSnapshot(target.dataset, target.snapshot);
    await refuseExisting(ctx, target);
    const { head, body } = await splitHead(stream, BEGIN_RECORD_BYTES);
    input = body;
    const start = readZfsStreamStart(head);
    if (start === undefined) {
      throw new InvalidStreamError(`receive ${target.snapshot} of ${target.dataset}: the data is no ZFS send stream of one snapshot`);
    }
    await ctx.ensureInternal();
    if (start.fromGuid === null) {
      await receiveNew(ctx, body, target);
      return;
    }
    const parent = await findByGuid(ctx, target.dataset, start.fromGuid);
    if (parent === undefined) {
      throw new NotFoundError(
        `the stream is incremental from a snapshot (guid ${start.fromGuid}) that ${target.dataset} has no copy of on this pool; receive that snapshot first`,
      );
    }
    // A clone stream becomes a new filesystem cloned from the parent, which `zfs recv` finds by guid.
    if (start.clone) await receiveNew(ctx, body, target);
    else if (await isNewestInLineage(ctx, parent)) await zfsReceive(body, `${parent.physical}@${target.snapshot}`, target);
    else await receiveOnBranch(ctx, body, target, parent);
  } catch (error) {
    input.destroy();
    throw error;
  }
}

/** A stream that makes a new filesystem (full, or a clone stream) into receive-<id>, renamed to a lineage when whole. */
async function receiveNew(ctx: ZfsReceiveContext, body: Readable, target: ReceiveTarget): Promise<void> {
  const id = newId();
  const work = ctx.names.fresh('receive', id);
  try {
    await zfsReceive(body, `${work}@${target.snapshot}`, target);
    await ctx.zfs.setProperty(work, PROP.dataset, target.dataset);
    // Another receive may have taken the name meanwhile; the rename is the commit point.
    await refuseExisting(ctx, target);
    await ctx.zfs.rename(work, ctx.names.fresh('lineage', id));
  } catch (error) {
    await discard(ctx.zfs, work);
    throw error;
  }
}

/** Gives the parent a lineage of its own where it is the newest snapshot, receives there, or undoes that. */
async function receiveOnBranch(ctx: ZfsReceiveContext, body: Readable, target: ReceiveTarget, parent: PhysicalSnapshot): Promise<void> {
  // A lineage from the start (zfs-fuse cannot rename a dataset once its snapshots have a mounted clone, as
  // the live dataset will be): until promoted it holds no snapshot and the collector may free it; after,
  // it holds snapshots of the dataset, where listSnapshots() finds them whatever happens next.
  const work = ctx.names.fresh('lineage');
  await ctx.zfs.clone(parent.full, work, { [PROP.dataset]: target.dataset });
  try {
    await ctx.zfs.promote(work);
  } catch (error) {
    await discard(ctx.zfs, work);
    throw error;
  }
  try {
    await zfsReceive(body, `${work}@${target.snapshot}`, target);
  } catch (error) {
    // Hand the snapshots back to the dataset they came from; the clone then holds nothing.
    await ctx.zfs.promote(parent.physical);
    await discard(ctx.zfs, work);
    throw error;
  }
}

async function zfsReceive(body: Readable, into: string, target: ReceiveTarget): Promise<void> {
  const what = `receive ${target.snapshot} of ${target.dataset}`;
  try {
    await runWithInput('zfs', ['receive', into], body);
  } catch (error) {
    const typed = toZfsError(error, what);
    // zfs recv checks the stream (END record checksum); what it refuses is a cut or damaged stream.
    if (typed instanceof CommandFailedError) {
      throw new InvalidStreamError(`${what}: zfs receive refused the stream (${typed.stderr.trim().split('\n')[0] ?? ''})`, { cause: typed });
    }
    throw typed;
  }
}

async function refuseExisting(ctx: ZfsReceiveContext, target: ReceiveTarget): Promise<void> {
  if ((await ctx.catalog.find(target.dataset, target.snapshot)) !== undefined) {
    throw new AlreadyExistsError(`snapshot ${target.snapshot} of ${target.dataset} already exists`);
  }
}

/** The live snapshot of the dataset with this guid, wherever it physically is. */
async function findByGuid(ctx: ZfsReceiveContext, dataset: string, guid: string): Promise<PhysicalSnapshot | undefined> {
  const snapshots = await ctx.catalog.snapshots(dataset);
  const physicals = [...new Set(snapshots.map((snapshot) => snapshot.physical))];
  const rows = await ctx.zfs.getProperties(physicals, ['guid'], 1);
  const match = rows.find((row) => row.property === 'guid' && row.value === guid && row.name.includes('@'));
  return match === undefined ? undefined : snapshots.find((snapshot) => snapshot.full === match.name);
}

/** A lineage's head is nobody's data, so a stream may go on top of it when nothing follows the parent. */
async function isNewestInLineage(ctx: ZfsReceiveContext, parent: PhysicalSnapshot): Promise<boolean> {
  if (ctx.names.parseInternal(parent.physical)?.kind !== 'lineage') return false;
  const rows = (await ctx.zfs.getProperties([parent.physical], ['createtxg', PROP.restoreOld], 1));
  // A lineage a restore is moving right now is recover()'s to settle.
  if (rows.some((row) => row.name === parent.physical && row.property === PROP.restoreOld && row.source === 'local')) return false;
  const txgs = rows.filter((row) => row.property === 'createtxg' && row.name.includes('@'));
  const own = Number(txgs.find((row) => row.name === parent.full)?.value);
  return Number.isFinite(own) && txgs.every((row) => Number(row.value) <= own);
}

async function discard(zfs: ZfsCommands, work: string): Promise<void> {
  if (await zfs.datasetExists(work)) await zfs.destroy(work, { recursive: true });
}

/**
 * Receives a crash interrupted (run at start-up, when none is in flight). A tagged one holding its
 * snapshot finished before the crash and only missed its rename: it becomes the lineage it was meant to
 * be. Anything else is a half receive (ZFS leaves a new filesystem's partial receive under its name).
 * Branches for incremental receives are lineages from the start, so the collector handles those.
 */
export async function recoverReceives(zfs: ZfsCommands, names: ZfsNames): Promise<RecoveryAction[]> {
  if (!(await zfs.datasetExists(names.internal))) return [];
  const actions: RecoveryAction[] = [];
  const rows = await zfs.getProperties([names.internal], [PROP.dataset], 1);
  for (const row of rows) {
    const parsed = names.parseInternal(row.name);
    if (parsed?.kind !== 'receive' || row.property !== PROP.dataset) continue;
    const logical = row.source === 'local' ? row.value : undefined;
    const snapshots = await zfs.list(row.name, 'snapshot', 1);
    if (logical !== undefined && snapshots.length > 0) {
      await zfs.rename(row.name, names.fresh('lineage', parsed.id));
      actions.push({ dataset: logical, action: 'finished', detail: `kept the snapshots of an interrupted receive (${parsed.id}) as a lineage` });
    } else {
      await zfs.destroy(row.name, { recursive: true });
      actions.push({ dataset: logical ?? row.name, action: 'cleaned', detail: `removed an interrupted receive (${parsed.id})` });
    }
  }
  return actions;
}
