/**
 * Exclusive sizes (what deleting a snapshot would free) are measured off the request path: reading a
 * btrfs qgroup or a ZFS property is a subprocess that costs more than the rest of a snapshot request.
 *
 * Freshness rule: a create answers with the size unknown (null) and asks for a measurement, made within
 * moments; a request that reads a snapshot answers with the recorded size and, when that size is older
 * than `freshMs` (or was not measured since this process started), asks for a new measurement. The size
 * only grows as the live data diverges, so a recorded one is a lower bound until re-measured.
 * Measurements run one at a time, so a burst of reads costs at most one subprocess at a time.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { CapturedFilesystem, SnapshotRecord } from './model.js';
import type { StorePort } from './ports.js';
import { storageSnapshotName } from './storage-snapshot-name.js';

export interface SizeSource {
  exclusiveBytes(filesystems: readonly CapturedFilesystem[], storageName: string): Promise<number | null | undefined>;
}

export interface SnapshotSizeRefreshDeps {
  readonly store: Pick<StorePort, 'getSnapshot' | 'setSnapshotSize'>;
  readonly sizes: SizeSource;
  readonly clock: Clock;
  readonly logger?: Pick<Logger, 'warn'>;
  /** How old a measured size may be before a read asks for a new one. */
  readonly freshMs?: number;
  /**
   * Runs the size's write without an fsync of its own (store/commits-without-fsync.ts). A size is measured
   * again after any restart (measuredAt is this process's), so one lost with a power cut costs nothing,
   * while an fsync blocks the event loop right after each create, in the way of the next request.
   */
  readonly commitsWithoutFsync?: <T>(body: () => T) => T;
}

const DEFAULT_FRESH_MS = 30_000;
/** Past this many waiting snapshots, further requests are dropped (the next read asks again). */
const MAX_WAITING = 1000;

export class SnapshotSizeRefresh {
  private readonly measuredAt = new Map<number, number>();
  private readonly waiting = new Set<number>();
  private measuring: number | undefined;
  private draining: Promise<void> | undefined;

  constructor(private readonly deps: SnapshotSizeRefreshDeps) {}

  /** Right after a create: the first measurement. */
  measureSoon(snapshotId: number): void {
    if (this.waiting.size >= MAX_WAITING || this.measuring === snapshotId) return;
    this.waiting.add(snapshotId);
    // Started after the current turn: spawning the first command is not paid before the create answers.
    this.draining ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.drain())
      .finally(() => {
        this.draining = undefined;
      });
  }

  /** A request read this snapshot: re-measure it if its size is not fresh. */
  readSize(snapshot: SnapshotRecord): void {
    if (snapshot.state !== 'ready') return;
    const at = this.measuredAt.get(snapshot.id);
    if (at === undefined || this.deps.clock.now().getTime() - at >= (this.deps.freshMs ?? DEFAULT_FRESH_MS)) this.measureSoon(snapshot.id);
  }

  /** Resolves when nothing is waiting (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  private async drain(): Promise<void> {
    for (const id of this.waiting) {
      this.waiting.delete(id);
      this.measuring = id;
      await this.measure(id).catch((error: unknown) => {
        this.deps.logger?.warn({ err: error, snapshotId: id }, 'measuring a snapshot size failed; the next read asks again');
      });
      this.measuring = undefined;
    }
  }

  private async measure(id: number): Promise<void> {
    const snapshot = this.deps.store.getSnapshot(id);
    if (snapshot?.state !== 'ready') {
      this.measuredAt.delete(id);
      return;
    }
    const size = await this.deps.sizes.exclusiveBytes(snapshot.filesystems, storageSnapshotName(snapshot.id, snapshot.name));
    if (size === undefined) return; // a pool is down: keep what is recorded, ask again on the next read
    this.measuredAt.set(id, this.deps.clock.now().getTime());
    if (size !== snapshot.sizeBytes) {
      const relaxed = this.deps.commitsWithoutFsync ?? (<T>(body: () => T): T => body());
      relaxed(() => {
        this.deps.store.setSnapshotSize(id, size);
      });
    }
  }
}
