/**
 * Which filesystems of a container a snapshot captures (design.md §1): the rootfs when it is a btrfs
 * subvolume on a configured pool, and every bind mount whose source is the root of a dataset on a
 * configured pool. Everything else is listed with `captured: false` and the reason — never skipped.
 */
import { isAbsolute, relative } from 'node:path';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { datasetWord } from '../../storage-drivers/index.js';
import type { CaptureEntry } from '../core/api-types.js';
import type { CapturedFilesystem, RecordedMount } from '../core/model.js';
import type { CapturePort, LiveContainer } from '../core/ports.js';
import { AppError } from '../errors/app-error.js';
import type { StorageInfo } from './docker-runtime.js';
import { rootfsNotCapturedReason } from './rootfs-layer.js';

export interface CapturePool {
  readonly id: string;
  readonly driver: Pick<StorageDriver, 'info' | 'datasetForPath'>;
}

export interface CaptureRuntime {
  /** `cached`: a kept answer may be reused (DockerRuntime: while its event stream lasts, else at most 5 s). */
  storageInfo(options?: { cached?: boolean }): Promise<StorageInfo>;
  rootfsLayerPath(containerId: string, dataRoot: string): Promise<string>;
}

export interface CaptureResolverOptions {
  /**
   * Configured pools that are down. A path inside one (when its mount path is known) is reported as not
   * captured, naming the pool; the snapshot creator refuses such a snapshot (503) rather than make it without.
   */
  readonly unavailablePools?: () => readonly { id: string; path?: string; reason: string }[];
}

/** The storage driver comes with ContainerDetails; a bare LiveContainer falls back to `docker info`. */
type CaptureInput = LiveContainer & { readonly graphDriver?: string };

export class CaptureResolver implements CapturePort {
  private readonly availablePools: () => readonly CapturePool[];
  private readonly unavailablePools: () => readonly { id: string; path?: string; reason: string }[];

  constructor(
    private readonly runtime: CaptureRuntime,
    /** The available pools, or a function giving them now (pools come and go while the service runs). */
    pools: readonly CapturePool[] | (() => readonly CapturePool[]),
    options: CaptureResolverOptions = {},
  ) {
    this.availablePools = typeof pools === 'function' ? pools : (): readonly CapturePool[] => pools;
    this.unavailablePools = options.unavailablePools ?? ((): [] => []);
  }

  private get pools(): readonly CapturePool[] {
    return this.availablePools();
  }

  /** Why `path` cannot be captured now: it lies in a configured pool that is down (when its path is known). */
  private unavailableReason(path: string): string | undefined {
    const down = this.unavailablePools().find((pool) => pool.path !== undefined && isInside(pool.path, path));
    return down === undefined ? undefined : `on pool "${down.id}", which is unavailable (${down.reason})`;
  }

  async captureSet(container: CaptureInput): Promise<CaptureEntry[]> {
    const storage = await this.runtime.storageInfo({ cached: true });
    const mounts = [...container.config.mounts].sort((a, b) => a.destination.localeCompare(b.destination));
    // Each entry is a few filesystem calls of its own: asked all at once, a create waits for the slowest.
    const [rootfs, ...mountEntries] = await Promise.all([
      this.rootfsEntry(container, storage),
      ...mounts.map((mount) => this.mountEntry(mount, storage)),
    ]);
    const entries: CaptureEntry[] = [rootfs];
    const capturedAt = new Map<string, string>();
    for (const entry of mountEntries) {
      const key = entry.filesystem === null ? undefined : `${entry.filesystem.pool}\0${entry.filesystem.dataset}`;
      const first = key === undefined ? undefined : capturedAt.get(key);
      if (key !== undefined && first !== undefined) {
        // One dataset mounted twice is snapshotted once; the second mount sees the same restored data.
        entries.push(notCaptured('mount', entry.mountPoint, entry.source, `same dataset as ${first}, captured there`));
        continue;
      }
      if (key !== undefined) capturedAt.set(key, entry.mountPoint);
      entries.push(entry);
    }
    return entries;
  }

  private async rootfsEntry(container: CaptureInput, storage: StorageInfo): Promise<CaptureEntry> {
    const unsupported = rootfsNotCapturedReason(container.graphDriver ?? storage.driver);
    if (unsupported !== undefined) return notCaptured('rootfs', '/', null, unsupported);
    let layer: string;
    try {
      layer = await this.runtime.rootfsLayerPath(container.id, storage.dataRoot);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return notCaptured('rootfs', '/', null, `writable layer not found: ${error.message}`);
    }
    const filesystem = await this.findDataset(layer, 'rootfs', '/');
    if (filesystem === undefined) {
      const down = this.unavailableReason(layer);
      if (down !== undefined) return notCaptured('rootfs', '/', layer, down);
      const pool = this.pools.find((p) => isInside(poolPath(p), layer));
      const reason =
        pool === undefined
          ? `Docker's data root ${storage.dataRoot} is not on a configured btrfs pool`
          : `the writable layer is inside pool "${pool.id}", but its driver does not accept it as a ${datasetWordOf(pool)}`;
      return notCaptured('rootfs', '/', layer, reason);
    }
    return { role: 'rootfs', mountPoint: '/', source: layer, captured: true, reason: null, filesystem };
  }

  private async mountEntry(mount: RecordedMount, storage: StorageInfo): Promise<CaptureEntry> {
    const source = mount.source === '' ? null : mount.source;
    switch (mount.type) {
      case 'bind':
        break;
      case 'volume':
        return notCaptured('mount', mount.destination, source, `Docker volume${mount.name === undefined ? '' : ` "${mount.name}"`}: volumes are not captured; bind-mount a subvolume or dataset of a pool instead`);
      case 'tmpfs':
        return notCaptured('mount', mount.destination, source, 'tmpfs lives in memory, not on disk');
      default:
        return notCaptured('mount', mount.destination, source, `${mount.type} mount: only bind mounts are captured`);
    }
    if (isInside(storage.dataRoot, mount.source)) {
      return notCaptured('mount', mount.destination, source, `inside Docker's data root ${storage.dataRoot}, which Docker owns`);
    }
    const filesystem = await this.findDataset(mount.source, 'mount', mount.destination);
    if (filesystem !== undefined) return { role: 'mount', mountPoint: mount.destination, source, captured: true, reason: null, filesystem };
    const down = this.unavailableReason(mount.source);
    if (down !== undefined) return notCaptured('mount', mount.destination, source, down);
    const pool = this.pools.find((p) => isInside(poolPath(p), mount.source));
    const reason =
      pool !== undefined
        ? `a folder in pool "${pool.id}", not the root of a ${datasetWordOf(pool)}`
        : 'not the root of a btrfs subvolume or ZFS dataset on a configured pool';
    return notCaptured('mount', mount.destination, source, reason);
  }

  /** Asks every pool's driver; the one that owns the path as a dataset root captures it. */
  private async findDataset(path: string, role: CapturedFilesystem['role'], mountPoint: string): Promise<CapturedFilesystem | undefined> {
    for (const pool of this.pools) {
      const dataset = await pool.driver.datasetForPath(path);
      if (dataset !== undefined) return { role, mountPoint, driver: pool.driver.info().name, pool: pool.id, dataset };
    }
    return undefined;
  }
}

function notCaptured(role: CaptureEntry['role'], mountPoint: string, source: string | null, reason: string): CaptureEntry {
  return { role, mountPoint, source, captured: false, reason, filesystem: null };
}

function isInside(parent: string | undefined, path: string): boolean {
  if (parent === undefined || parent === '') return false;
  const rel = relative(parent, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** A btrfs pool is a path; a ZFS pool is a dataset name, whose folder we cannot know without asking zfs. */
function poolPath(pool: CapturePool): string | undefined {
  const name = pool.driver.info().pool;
  return name.startsWith('/') ? name : undefined;
}

function datasetWordOf(pool: CapturePool): string {
  return datasetWord(pool.driver.info().name);
}
