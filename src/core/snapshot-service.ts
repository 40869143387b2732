import { snapshotWith } from './snapshot-with.js';
import type {
  CreateSnapshotInput,
  ListSnapshotsQuery,
  RestoreInput,
  RestoreResult,
  SnapshotListResult,
  SnapshotResult,
  SnapshotsApi,
  UpdateSnapshotInput,
} from './api-types.js';
import type { Clock } from './clock.js';
import type { ContainerLocks } from './container-lock.js';
import type { ContainerResolver } from './container-resolver.js';
import type { SnapshotSizeRefresh } from './snapshot-size-refresh.js';
import { NotFoundError } from '../errors/not-found-error.js';
import type { ContainerRecord, SnapshotOrigin, SnapshotRecord } from './model.js';
import { ContainerNotConfirmed, notConfirmed } from './container-not-confirmed.js';
import type { StorePort } from './ports.js';
import type { RestoreService } from './restore-service.js';
import type { SnapshotCreator } from './snapshot-creator.js';
import type { SnapshotDeleter } from './snapshot-deleter.js';
import { expiryFrom } from './day-offsets.js';
import { storageSnapshotName } from './storage-snapshot-name.js';

export interface SnapshotServiceDeps {
  readonly store: Pick<StorePort, 'resolveSnapshot' | 'listSnapshots' | 'updateSnapshotMeta' | 'setSnapshotSize' | 'getSnapshot'>;
  readonly resolver: ContainerResolver;
  readonly locks: ContainerLocks;
  readonly creator: SnapshotCreator;
  readonly deleter: SnapshotDeleter;
  readonly restorer: RestoreService;
  readonly clock: Clock;
  /** Re-measures sizes in the background when a read finds them stale; without it a read measures inline. */
  readonly sizes?: Pick<SnapshotSizeRefresh, 'readSize'>;
}

/** The snapshot API's rules: which container, which snapshot, one operation at a time. */
export class SnapshotService implements SnapshotsApi {
  constructor(private readonly deps: SnapshotServiceDeps) {}

  async create(containerRef: string, input: CreateSnapshotInput): Promise<SnapshotResult> {
    const withOrigin = { ...input, origin: input.origin ?? 'api' };
    const early = await this.createFromCachedLookup(containerRef, withOrigin);
    if (early !== undefined) return early;
    const container = await this.deps.resolver.resolveLive(containerRef);
    const snapshot = await this.deps.locks.run(container.record.id, 'snapshot', () => this.deps.creator.create(container, withOrigin));
    return { container: container.record, snapshot };
  }

  /**
   * A create without quiesce starts from Docker's event-invalidated answer, so the capture and the kernel
   * call run while Docker is asked afresh (a Docker inspect is ~2.5 ms of a ~20 ms create); the creator
   * checks the fresh answer before the snapshot is ready. Undefined: start over the plain way (no cached
   * answer, a quiesce, or the reference now names another container; the creator undid everything).
   */
  private async createFromCachedLookup(containerRef: string, input: CreateSnapshotInput & { origin: SnapshotOrigin }): Promise<SnapshotResult | undefined> {
    if ((input.quiesce ?? 'none') !== 'none') return undefined;
    const cached = await this.deps.resolver.resolveForRead(containerRef).catch(() => undefined);
    const live = cached?.live;
    if (cached === undefined || live === undefined) return undefined;
    const fresh = this.deps.resolver.resolveLive(containerRef);
    // Awaited by the creator once the kernel call is done; this keeps an early rejection from going unhandled.
    fresh.catch(() => undefined);
    try {
      const snapshot = await this.deps.locks.run(cached.record.id, 'snapshot', () =>
        this.deps.creator.create({ record: cached.record, live }, input, { confirm: fresh }),
      );
      return { container: (await fresh).record, snapshot };
    } catch (error) {
      // A capture of a container removed meanwhile fails before the creator's check: ask the fresh answer too.
      const unconfirmed = error instanceof ContainerNotConfirmed ? error : await notConfirmed(live, fresh);
      if (unconfirmed === undefined) throw error;
      if (unconfirmed.lookupError !== undefined) throw unconfirmed.lookupError;
      return undefined;
    }
  }

  async list(containerRef: string, query: ListSnapshotsQuery, resolved?: ContainerRecord): Promise<SnapshotListResult> {
    const record = resolved ?? (await this.deps.resolver.resolveForRead(containerRef)).record;
    const { snapshots, total } = this.deps.store.listSnapshots(record.id, query);
    return { container: record, snapshots, total };
  }

  async get(containerRef: string, snapshotRef: string): Promise<SnapshotResult> {
    const { record } = await this.deps.resolver.resolveForRead(containerRef);
    const snapshot = this.find(record, snapshotRef);
    return { container: record, snapshot: await this.refreshSize(snapshot) };
  }

  async restore(containerRef: string, snapshotRef: string, input: RestoreInput): Promise<RestoreResult> {
    const container = await this.deps.resolver.resolveLive(containerRef);
    return this.deps.locks.run(container.record.id, 'restore', () => {
      const snapshot = this.find(container.record, snapshotRef);
      // Before the container is stopped: a pool that is down is 503 naming it, with nothing changed.
      for (const filesystem of snapshot.filesystems) this.deps.creator.assertPoolAvailable(filesystem);
      return this.deps.restorer.restore(container, snapshot, input);
    });
  }

  async update(containerRef: string, snapshotRef: string, input: UpdateSnapshotInput): Promise<SnapshotResult> {
    const { record } = await this.deps.resolver.resolve(containerRef);
    return this.deps.locks.run(record.id, 'update', () => {
      const snapshot = this.find(record, snapshotRef);
      const patch: { alias?: string | null; expiresAt?: Date | null; tags?: string[] } = {};
      if (input.alias !== undefined) patch.alias = input.alias;
      if (input.expiryDays !== undefined) patch.expiresAt = expiryFrom(this.deps.clock.now(), input.expiryDays);
      if (input.tags !== undefined) patch.tags = input.tags;
      return Promise.resolve({ container: record, snapshot: this.deps.store.updateSnapshotMeta(snapshot.id, patch) });
    });
  }

  async delete(containerRef: string, snapshotRef: string): Promise<SnapshotResult> {
    const { record } = await this.deps.resolver.resolve(containerRef);
    return this.deps.locks.run(record.id, 'delete', async () => {
      const snapshot = this.find(record, snapshotRef);
      await this.deps.deleter.delete(snapshot);
      return { container: record, snapshot: snapshotWith(snapshot, { state: 'deleting' }) };
    });
  }

  private find(container: ContainerRecord, ref: string): SnapshotRecord {
    const snapshot = this.deps.store.resolveSnapshot(container.id, ref);
    if (snapshot === undefined) {
      throw new NotFoundError('snapshot_not_found', `Container ${container.name} has no snapshot named or aliased "${ref}".`);
    }
    return snapshot;
  }

  /** A snapshot's exclusive size grows as the live data diverges: measure it again when asked for one. */
  private async refreshSize(snapshot: SnapshotRecord): Promise<SnapshotRecord> {
    if (this.deps.sizes !== undefined) {
      this.deps.sizes.readSize(snapshot);
      return snapshot;
    }
    if (snapshot.state !== 'ready') return snapshot;
    const size = await this.deps.creator.exclusiveBytes(snapshot.filesystems, storageSnapshotName(snapshot.id, snapshot.name));
    if (size === undefined || size === snapshot.sizeBytes) return snapshot;
    this.deps.store.setSnapshotSize(snapshot.id, size);
    return snapshotWith(snapshot, { sizeBytes: size });
  }
}
