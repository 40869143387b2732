import type { ContainerSummary, ContainersApi, ScheduleSummary } from './api-types.js';
import type { ContainerResolver } from './container-resolver.js';
import type { CapturePort, LiveContainer, RuntimePort, StorePort } from './ports.js';
import type { Clock } from './clock.js';
import type { ContainerRecord } from './model.js';
import { currentAccess } from './access/access-context.js';

/** Containers with their capture status: Docker's live ones, then removed ones that still have snapshots. */
export class ContainerService implements ContainersApi {
  constructor(
    private readonly deps: {
      runtime: Pick<RuntimePort, 'listContainers'>;
      capture: CapturePort;
      store: Pick<StorePort, 'listContainers' | 'countSnapshots' | 'listSnapshots' | 'upsertContainer'>;
      resolver: ContainerResolver;
      clock: Clock;
      /** Its schedules in numbers (schedule-service.ts); one call answers what the overview shows. */
      schedules: (containerId: string) => ScheduleSummary;
    },
  ) {}

  /** Only the containers of the caller's project (every project for an all-projects key). */
  async list(): Promise<ContainerSummary[]> {
    const access = currentAccess();
    const live = await this.deps.runtime.listContainers();
    const liveIds = new Set(live.map((c) => c.id));
    // Recorded first (a label names the project on first sight), so the filter sees every container's project.
    const visible = live
      .map((container) => ({ container, record: this.deps.resolver.recordSeen(container) }))
      .filter(({ record }) => access.canSee(record.projectId));
    const summaries = await Promise.all(visible.map(({ container, record }) => this.summarizeLive(container, record)));
    const removed = this.deps.store
      .listContainers()
      .filter((record) => !liveIds.has(record.id) && access.canSee(record.projectId) && this.deps.store.countSnapshots(record.id) > 0)
      .map((record) => this.summarizeRemoved(record));
    return [...summaries, ...removed];
  }

  async get(containerRef: string): Promise<ContainerSummary> {
    const resolved = await this.deps.resolver.resolveForRead(containerRef);
    return resolved.live !== undefined ? this.summarizeLive(resolved.live, resolved.record) : this.summarizeRemoved(resolved.record);
  }

  private async summarizeLive(container: LiveContainer, record: ContainerRecord): Promise<ContainerSummary> {
    return {
      id: container.id,
      name: container.name,
      image: container.image,
      projectId: record.projectId,
      state: container.state.status,
      ...this.recorded(container.id),
      capture: await this.deps.capture.captureSet(container),
    };
  }

  private summarizeRemoved(record: ContainerRecord): ContainerSummary {
    return {
      id: record.id,
      name: record.name,
      image: record.image,
      projectId: record.projectId,
      state: 'removed',
      ...this.recorded(record.id),
      capture: [],
    };
  }

  /** What cowsnap itself holds for the container: its snapshots and schedules in numbers. */
  private recorded(containerId: string): Pick<ContainerSummary, 'snapshotCount' | 'newestSnapshotAt' | 'schedules'> {
    // Without filters the list's total is every record, as countSnapshots counts them.
    const { snapshots, total } = this.deps.store.listSnapshots(containerId, { limit: 1, offset: 0 });
    return {
      snapshotCount: total,
      newestSnapshotAt: snapshots[0]?.createdAt ?? null,
      schedules: this.deps.schedules(containerId),
    };
  }
}
