import { ConflictError } from '../errors/conflict-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { currentAccess } from './access/access-context.js';
import { projectFromLabel } from './access/project-label.js';
import type { Clock } from './clock.js';
import type { ContainerRecord } from './model.js';
import type { LiveContainer, RuntimePort, StorePort } from './ports.js';

/** How stale a container's last-seen time may get before a lookup writes it again. */
const LAST_SEEN_REFRESH_MS = 60_000;

export interface ResolvedContainer {
  readonly record: ContainerRecord;
  /** Undefined when Docker no longer knows the container (removed with `docker rm`). */
  readonly live: LiveContainer | undefined;
}

/**
 * `:container` → the container. Docker is asked first (id, id prefix, name); a container Docker no
 * longer knows is found in cowsnap's records under its old id and name, so its snapshots stay reachable.
 * This is where project scope is enforced for everything under /containers/:container: a container of
 * another project than the caller's key answers exactly like one that does not exist.
 */
export class ContainerResolver {
  constructor(
    private readonly runtime: Pick<RuntimePort, 'resolveContainer'>,
    private readonly store: Pick<StorePort, 'upsertContainer' | 'getContainer' | 'findContainers' | 'markContainerRemoved'>,
    private readonly clock: Clock,
  ) {}

  async resolve(ref: string): Promise<ResolvedContainer> {
    return this.resolveWith(ref, false);
  }

  /**
   * For requests that only read records (list or show snapshots, schedules, replicas): Docker's answer may
   * come from the event-invalidated lookup cache, and nothing is written unless the container changed.
   */
  async resolveForRead(ref: string): Promise<ResolvedContainer> {
    return this.resolveWith(ref, true);
  }

  private async resolveWith(ref: string, cached: boolean): Promise<ResolvedContainer> {
    const access = currentAccess();
    const live = await this.runtime.resolveContainer(ref, { cached });
    if (live !== undefined) {
      const record = this.recordSeen(live);
      if (!access.canSee(record.projectId)) throw notFound(ref);
      access.targetProject = record.projectId;
      return { record, live };
    }
    const known = this.store.findContainers(ref).filter((c) => access.canSee(c.projectId));
    const byName = known.some((c) => c.name === ref.replace(/^\//, '') || c.id === ref);
    if (!byName && known.length > 1) {
      // An id prefix is the caller naming one container; guessing among several could delete the wrong one's snapshots.
      const listed = [...known]
        .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime())
        .map((c) => `${c.id.slice(0, 12)} (${c.name}${c.removedAt === null ? '' : `, removed ${c.removedAt.toISOString()}`})`)
        .join(', ');
      throw new ConflictError('removed_container_ambiguous', `"${ref}" is an id prefix of ${known.length} removed containers: ${listed}; use a longer prefix or the full id.`);
    }
    // Several removed containers may have had the same name: the one seen last is meant.
    const record = [...known].sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime())[0];
    if (record === undefined) throw notFound(ref);
    access.targetProject = record.projectId;
    if (record.removedAt === null) this.store.markContainerRemoved(record.id, this.clock.now());
    return { record, live: undefined };
  }

  /**
   * The container's record, written only when Docker shows something new (name, image, back from removed)
   * or the last-seen time is over a minute old: a read path costs no disk write with a full sync.
   */
  recordSeen(live: LiveContainer): ContainerRecord {
    const now = this.clock.now();
    const known = this.store.getContainer(live.id);
    const unchanged =
      known !== undefined &&
      known.name === live.name &&
      known.image === live.image &&
      known.removedAt === null &&
      now.getTime() - known.lastSeenAt.getTime() < LAST_SEEN_REFRESH_MS &&
      now.getTime() >= known.lastSeenAt.getTime();
    // The label names the project only on first sight (upsertContainer ignores it for a known container).
    return unchanged ? known : this.store.upsertContainer({ id: live.id, name: live.name, image: live.image, ...projectFromLabel(live) }, now);
  }

  /** For operations that need the container to exist in Docker (create, restore, copy of current state). */
  async resolveLive(ref: string): Promise<ResolvedContainer & { live: LiveContainer }> {
    const resolved = await this.resolve(ref);
    if (resolved.live === undefined) {
      throw new NotFoundError(
        'container_not_found',
        `Container "${ref}" (${resolved.record.id.slice(0, 12)}) was removed from Docker; its snapshots can still be listed, copied and deleted.`,
      );
    }
    return { record: resolved.record, live: resolved.live };
  }
}

function notFound(ref: string): NotFoundError {
  return new NotFoundError('container_not_found', `No container "${ref}" in Docker or in cowsnap's records.`);
}
