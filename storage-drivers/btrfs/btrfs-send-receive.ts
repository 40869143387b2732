import { randomBytes } from 'node:crypto';
import { lstat, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { runWithInput, spawnSendStream, splitHead } from '../common/child-stream.js';
import type { CommandRunner } from '../common/command-runner.js';
import { ensureDir } from '../common/ensure-dir.js';
import { mapErrors } from '../common/error-mapping.js';
import { AlreadyExistsError, InvalidStreamError, NotFoundError, UnsupportedError } from '../common/errors.js';
import { assertSnapshotName } from '../common/names.js';
import type { ReceiveTarget, RecoveryAction, SendOptions, SendStream, SnapshotIdentity } from '../driver.js';
import type { BtrfsCommands } from './btrfs-commands.js';
import type { BtrfsLayout } from './btrfs-layout.js';
import { readStreamStart, SendStreamTracker, STREAM_START_BYTES } from './btrfs-send-stream.js';
import { isSubvolume } from './btrfs-subvolume-tree.js';

/** What send/receive needs from the driver. */
export interface BtrfsReplicationContext {
  readonly layout: BtrfsLayout;
  readonly btrfs: BtrfsCommands;
  readonly runner: CommandRunner;
  /** The path of an existing snapshot; NotFoundError otherwise. */
  existingSnapshot(dataset: string, name: string): Promise<string>;
  /** The pool's path relative to the filesystem's top level, as `btrfs subvolume list` prints paths. */
  poolFsPath(): string;
}

interface SubvolumeIds {
  readonly uuid: string;
  readonly receivedUuid: string | null;
  readonly readOnly: boolean;
}

/** `btrfs subvolume show` → UUID, Received UUID ("-" when none) and the readonly flag. */
export function parseSubvolumeShow(text: string): SubvolumeIds {
  const value = (label: string): string | undefined => new RegExp(`^\\s*${label}:\\s*(\\S+)`, 'm').exec(text)?.[1];
  const uuid = value('UUID');
  if (uuid === undefined) throw new Error(`no UUID in btrfs subvolume show output: ${text.slice(0, 200)}`);
  const received = value('Received UUID');
  return { uuid, receivedUuid: received === undefined || received === '-' ? null : received, readOnly: /^\s*Flags:.*\breadonly\b/m.test(text) };
}

/** `btrfs subvolume list -u -R`: `ID 258 gen 8 top level 5 received_uuid <uuid|-> uuid <uuid> path <path>`. */
export function parseUuidList(text: string): { path: string; uuid: string; receivedUuid: string | null }[] {
  const rows: { path: string; uuid: string; receivedUuid: string | null }[] = [];
  for (const line of text.split('\n')) {
    const match = /^ID \d+ .*?received_uuid (\S+)\s+uuid (\S+) path (.+)$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) continue;
    rows.push({ path: match[3].replace(/^<FS_TREE>\//, ''), uuid: match[2], receivedUuid: match[1] === '-' ? null : match[1] });
  }
  return rows;
}

/**
 * btrfs send/receive. A received snapshot is a read-only subvolume at the snapshot's usual place, so
 * every other operation treats it like a local one. Receiving happens in a private folder first: btrfs
 * receive leaves a writable half subvolume behind when the stream fails, which is deleted there, out of
 * sight. A read-only subvolume cannot be moved to another folder (EROFS), so the folder holding it is
 * renamed into place instead.
 */
export class BtrfsReplication {
  constructor(private readonly ctx: BtrfsReplicationContext) {}

  async send(dataset: string, snapshot: string, options: SendOptions = {}): Promise<SendStream> {
    const path = await this.ctx.existingSnapshot(dataset, snapshot);
    // Nested subvolumes are separate read-only parts next to the snapshot (btrfs-nested-snapshot.ts); one
    // send stream carries one subvolume, so such a snapshot would arrive without them: refuse instead.
    if (await pathExists(join(dirname(path), 'nested.json'))) {
      throw new UnsupportedError(`cannot send ${snapshot} of ${dataset}: it holds nested subvolumes, which send does not carry yet`);
    }
    const parent = options.parent === undefined ? [] : ['-p', await this.ctx.existingSnapshot(dataset, options.parent)];
    return spawnSendStream('btrfs', ['send', '--quiet', ...parent, path]);
  }

  async identity(dataset: string, snapshot: string): Promise<SnapshotIdentity> {
    const ids = await this.show(await this.ctx.existingSnapshot(dataset, snapshot));
    return { id: ids.uuid, receivedFrom: ids.receivedUuid };
  }

  async receive(stream: Readable, target: ReceiveTarget): Promise<void> {
    const { layout } = this.ctx;
    let input: Readable = stream;
    let work: string | undefined;
    try {
      const dataset = layout.dataset(target.dataset);
      assertSnapshotName(target.snapshot);
      const folder = layout.snapshotFolder(dataset, target.snapshot);
      if (await pathExists(folder)) throw new AlreadyExistsError(`snapshot ${target.snapshot} of ${dataset} already exists`);
      const tracker = new SendStreamTracker();
      const { head, body } = await splitHead(stream, STREAM_START_BYTES, (chunk) => {
        tracker.feed(chunk);
      });
      input = body;
      const start = readStreamStart(head);
      if (start === undefined) throw new InvalidStreamError(`receive ${target.snapshot} of ${dataset}: the data is no btrfs send stream`);
      if (start.parentUuid !== null) await this.requireParent(dataset, start.parentUuid);

      work = join(layout.receiveRoot(), `${layout.key(dataset)}.${randomBytes(6).toString('hex')}`);
      const where = work;
      await mapErrors(`receive ${target.snapshot} of ${dataset}`, async () => {
        await ensureDir(where);
        await runWithInput('btrfs', ['receive', where], body);
      });
      if (!tracker.complete) {
        throw new InvalidStreamError(`receive ${target.snapshot} of ${dataset}: the stream was cut (no END after ${tracker.bytes} bytes)`);
      }
      const received = await readdir(work);
      const name = received.length === 1 ? received[0] : undefined;
      const ids = name === undefined ? undefined : await this.show(join(work, name));
      if (name === undefined || ids?.receivedUuid !== start.uuid || !ids.readOnly) {
        throw new InvalidStreamError(`receive ${target.snapshot} of ${dataset}: btrfs receive did not finish one read-only snapshot (${received.join(', ')})`);
      }
      // The sent subvolume keeps its name (ours are all "snapshot"); place it under the name this layout reads.
      if (name !== 'snapshot') await mapErrors(`receive ${target.snapshot}`, () => rename(join(where, name), join(where, 'snapshot')));
      await mapErrors(`receive ${target.snapshot} of ${dataset}`, async () => {
        await ensureDir(layout.snapshotsDir(dataset));
        if (await pathExists(folder)) throw new AlreadyExistsError(`snapshot ${target.snapshot} of ${dataset} already exists`);
        await rename(where, folder);
      });
      work = undefined;
    } catch (error) {
      input.destroy();
      if (work !== undefined) await this.discard(work);
      throw error;
    }
  }

  /** Removes what interrupted receives left (run at start-up, when none is in flight). */
  async cleanLeftovers(): Promise<RecoveryAction[]> {
    const root = this.ctx.layout.receiveRoot();
    const actions: RecoveryAction[] = [];
    for (const entry of await readdir(root).catch(() => [])) {
      await this.discard(join(root, entry));
      const dataset = this.ctx.layout.datasetFromKey(entry.replace(/\.[0-9a-f]+$/, ''));
      actions.push({ dataset, action: 'cleaned', detail: `removed an interrupted receive (${entry})` });
    }
    return actions;
  }

  /** Deletes a receive folder and the (possibly half-written, writable) subvolume in it. */
  private async discard(work: string): Promise<void> {
    for (const entry of await readdir(work).catch(() => [])) {
      const path = join(work, entry);
      if (await isSubvolume(path)) await this.ctx.btrfs.deleteSubvolume(path);
    }
    await rm(work, { recursive: true, force: true });
  }

  /** An incremental stream applies to its parent only: a copy of it must be among this dataset's snapshots. */
  private async requireParent(dataset: string, parentUuid: string): Promise<void> {
    const { layout } = this.ctx;
    const fsPath = this.ctx.poolFsPath();
    const below = relative(layout.pool, layout.snapshotsDir(dataset));
    const prefix = `${fsPath === '' ? '' : `${fsPath}/`}${below}/`;
    const { stdout } = await mapErrors(`list subvolumes of ${layout.pool}`, () =>
      this.ctx.runner.run('btrfs', ['subvolume', 'list', '-u', '-R', layout.pool]),
    );
    const found = parseUuidList(stdout).some(
      (row) => row.path.startsWith(prefix) && (row.uuid === parentUuid || row.receivedUuid === parentUuid),
    );
    if (!found) {
      throw new NotFoundError(
        `the stream is incremental from a snapshot (UUID ${parentUuid}) that ${dataset} has no copy of on this pool; receive that snapshot first`,
      );
    }
  }

  private async show(path: string): Promise<SubvolumeIds> {
    const { stdout } = await mapErrors(`subvolume show ${path}`, () => this.ctx.runner.run('btrfs', ['subvolume', 'show', path]));
    return parseSubvolumeShow(stdout);
  }
}

async function pathExists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}
