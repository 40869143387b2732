import type { ContainerSummary, ContainersApi } from './api-types.js';
import type { ContainerResolver } from './container-resolver.js';
import type { CapturePort, LiveContainer, RuntimePort, StorePort } from './ports.js';
import type { Clock } from './clock.js';
import type { ContainerRecord } from './model.js';

/** Containers with their capture status: Docker's live ones, then removed ones that still have snapshots. */
export class ContainerService implements ContainersApi {
  constructor(
    private readonly deps: {
      runtime: Pick<RuntimePort, 'listContainers'>;
      capture: CapturePort;
      store: Pick<StorePort, 'listContainers' | 'countSnapshots' | 'upsertContainer'>;
      resolver: ContainerResolver;
      clock: Clock;
    },
  ) {}

  async list(): Promise<ContainerSummary[]> {
    const live = await this.deps.runtime.listContainers();
    const liveIds = new Set(live.map((c) => c.id));
    const summaries = await Promise.all(live.map((container) => this.summarizeLive(container)));
    const removed = this.deps.store
      .listContainers()
      .filter((record) => !liveIds.has(record.id) && this.deps.store.countSnapshots(record.id) > 0)
      .map((record) => this.summarizeRemoved(record));
    return [...summaries, ...removed];
  }

  async get(containerRef: string): Promise<ContainerSummary> {
    const resolved = await this.deps.resolver.resolveForRead(containerRef);
    return resolved.live !== undefined ? this.summarizeLive(resolved.live) : this.summarizeRemoved(resolved.record);
  }

  private async summarizeLive(container: LiveContainer): Promise<ContainerSummary> {
    this.deps.resolver.recordSeen(container);
    return {
      id: container.id,
      name: container.name,
      image: container.image,
      state: container.state.status,
      snapshotCount: this.deps.store.countSnapshots(container.id),
      capture: await this.deps.capture.captureSet(container),
    };
  }

  private summarizeRemoved(record: ContainerRecord): ContainerSummary {
    return {
      id: record.id,
      name: record.name,
      image: record.image,
      state: 'removed',
      snapshotCount: this.deps.store.countSnapshots(record.id),
      capture: [],
    };
  }
}
