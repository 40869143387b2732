import { dirname } from 'node:path';
import { forEachOutputLine, spawnSendStream } from '../common/child-stream.js';
import type { CommandRunner } from '../common/command-runner.js';
import { ensureDir } from '../common/ensure-dir.js';
import { mapErrors } from '../common/error-mapping.js';
import type { QgroupNumbers } from './btrfs-qgroup-search.js';
import { BtrfsUtil, type SubvolumeBelow } from './btrfs-util.js';

/** BTRFS_FS_TREE_OBJECTID: the top-level subvolume's id. */
const TOP_LEVEL_ID = 5;

/**
 * One thin wrapper per btrfs call. Paths go in as argv elements (never through a shell) and every
 * failure comes out as a typed storage error (NoSpaceError, NotFoundError, ...). The calls on the snapshot
 * path (snapshot, subvolume id, nested-subvolume listing) are ioctls through libbtrfsutil (btrfs-util.ts):
 * a `btrfs` fork/exec cost as much as the snapshot itself; the rest stay on the CLI.
 */
export class BtrfsCommands {
  private loaded: BtrfsUtil | undefined;

  constructor(private readonly runner: CommandRunner) {}

  /** Loads libbtrfsutil; throws a MissingSoftwareError naming the Debian package when it is missing. */
  loadLibrary(): void {
    this.loaded ??= BtrfsUtil.load();
  }

  /** Loaded on first use (the driver's probe), so a host without a btrfs pool never loads the library. */
  private get util(): BtrfsUtil {
    this.loaded ??= BtrfsUtil.load();
    return this.loaded;
  }

  async version(): Promise<string> {
    const { stdout } = await mapErrors('btrfs --version', () => this.runner.run('btrfs', ['--version']));
    return stdout.trim();
  }

  async createSubvolume(path: string): Promise<void> {
    await mapErrors(`create subvolume ${path}`, async () => {
      await ensureDir(dirname(path));
      await this.runner.run('btrfs', ['subvolume', 'create', path]);
    });
  }

  /** `readOnly`: a snapshot that can never change; otherwise a writable copy-on-write copy. */
  async snapshot(source: string, target: string, readOnly: boolean): Promise<void> {
    await mapErrors(`snapshot ${source} to ${target}`, async () => {
      await ensureDir(dirname(target));
      await this.util.snapshot(source, target, readOnly);
    });
  }

  async deleteSubvolume(path: string): Promise<void> {
    await mapErrors(`delete subvolume ${path}`, () => this.runner.run('btrfs', ['subvolume', 'delete', path]));
  }

  /**
   * Deletes the subvolume with this id (an ioctl by id: no path is walked, so no symlink or planted name
   * can redirect it). `anyPath` is any path on the same filesystem.
   */
  async deleteSubvolumeById(id: number, anyPath: string): Promise<void> {
    await mapErrors(`delete subvolume id ${String(id)}`, () =>
      this.runner.run('btrfs', ['subvolume', 'delete', '--subvolid', String(id), anyPath]),
    );
  }

  /**
   * The path of subvolume `id` relative to the filesystem's top level, as the kernel's back references
   * give it ("" for the top level). The whole output is the path: a name may contain newlines.
   */
  async subvolumePathById(id: number, anyPath: string): Promise<string> {
    const { stdout } = await mapErrors(`resolve subvolume id ${String(id)}`, () =>
      this.runner.run('btrfs', ['inspect-internal', 'subvolid-resolve', String(id), anyPath]),
    );
    return stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
  }

  /**
   * The path relative to the filesystem's top level ("" for the top level), from the subvolume's id: a few
   * exact-key lookups. `btrfs subvolume show` also lists every snapshot of the subvolume, reading every
   * subvolume of the filesystem (0.15–0.2 s of each start-up at 10,000 snapshots).
   */
  async subvolumeFsPath(path: string): Promise<string> {
    const id = await this.rootId(path);
    return id === TOP_LEVEL_ID ? '' : this.subvolumePathById(id, path);
  }

  async rootId(path: string): Promise<number> {
    return mapErrors(`rootid ${path}`, () => Promise.resolve(this.util.subvolumeId(path)));
  }

  /**
   * Every subvolume below the subvolume root `path`, at any depth, parents first, with paths relative to it,
   * straight from the kernel's root references (ids and names cannot be forged by a planted name).
   */
  async subvolumesBelow(path: string): Promise<SubvolumeBelow[]> {
    return mapErrors(`subvolumes below ${path}`, () => Promise.resolve(this.util.subvolumesBelow(path)));
  }

  /**
   * Subvolumes of the whole filesystem, paths from the top level. The output is line based and a subvolume
   * name may contain a newline: a path here is only a hint and an id may be forged (nested subvolumes are
   * found with subvolumesBelow instead).
   */
  async listSubvolumes(path: string): Promise<{ id: number; path: string }[]> {
    const args = ['subvolume', 'list', path];
    const { stdout } = await mapErrors(`subvolume list ${path}`, () => this.runner.run('btrfs', args));
    return parseSubvolumeList(stdout);
  }

  /** Forces a transaction commit: qgroup numbers are exact only after one. */
  async sync(path: string): Promise<void> {
    await mapErrors(`filesystem sync ${path}`, () => this.util.sync(path));
  }

  /** The level-0 qgroup of subvolume `id` (at `path`), by two exact-key quota-tree lookups. */
  async qgroup(path: string, id: number): Promise<{ inconsistent: boolean; numbers: QgroupNumbers | undefined }> {
    return mapErrors(`usage of ${path}`, () => this.util.qgroup(path, id));
  }

  async quotaRescan(path: string): Promise<void> {
    await mapErrors(`quota rescan ${path}`, () => this.runner.run('btrfs', ['quota', 'rescan', '-w', path]));
  }

  /**
   * The metadata-only send stream between two read-only snapshots, as `btrfs receive --dump` prints it,
   * a line at a time: it grows with the number of changed files, so it is never held whole. `onLine`
   * throwing stops both commands.
   */
  async sendDump(parent: string, snapshot: string, onLine: (line: string) => void): Promise<void> {
    await mapErrors(`send ${parent} → ${snapshot}`, async () => {
      const send = spawnSendStream('btrfs', ['send', '--quiet', '--no-data', '-p', parent, snapshot]);
      try {
        await forEachOutputLine('btrfs', ['receive', '--dump'], onLine, send.stream);
      } catch (error) {
        // The dump's own failure (or the caller's limit) is the story; the send then fails as a consequence.
        await send.done.catch(() => undefined);
        throw error;
      }
      await send.done;
    });
  }
}

/** Parses `btrfs subvolume list` lines: `ID 257 gen 7 top level 5 path a/b`. */
export function parseSubvolumeList(text: string): { id: number; path: string }[] {
  const result: { id: number; path: string }[] = [];
  for (const line of text.split('\n')) {
    const match = /^ID (\d+) .*? path (.+)$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    result.push({ id: Number.parseInt(match[1], 10), path: match[2].replace(/^<FS_TREE>\//, '') });
  }
  return result;
}
