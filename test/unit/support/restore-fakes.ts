/**
 * Fakes for forcing races in restore, snapshot quiesce and start-up recovery deterministically: a Docker
 * runtime that only keeps each container's state, and a storage driver that keeps each dataset's content
 * as a string. The store is the real SQLite store. Real-component proofs are in test/e2e.
 */
import type { RecoveryAction } from '../../../storage-drivers/driver.js';
import { recoverAtStartup, type StartupReport } from '../../../src/core/startup-recovery.js';
import type { RecoveryLog } from '../../../src/core/startup-progress.js';
import { NO_CAPABILITIES } from '../../../storage-drivers/driver-base.js';
import type { DriverCapabilities, DriverInfo, StorageDriver } from '../../../storage-drivers/driver.js';
import type { CaptureEntry } from '../../../src/core/api-types.js';
import { ContainerLocks } from '../../../src/core/container-lock.js';
import { ContainerResolver } from '../../../src/core/container-resolver.js';
import { DatasetLocks } from '../../../src/core/dataset-locks.js';
import type { CapturedFilesystem } from '../../../src/core/model.js';
import { PoolRegistry } from '../../../src/core/pool-registry.js';
import type { CapturePort, LiveContainer, RuntimePort } from '../../../src/core/ports.js';
import { RestoreService } from '../../../src/core/restore-service.js';
import { SnapshotCreator } from '../../../src/core/snapshot-creator.js';
import { SnapshotDeleter } from '../../../src/core/snapshot-deleter.js';
import { SnapshotService } from '../../../src/core/snapshot-service.js';
import { createTestStore, sampleConfig, type TestStore } from '../../store/store-fixture.js';
import { ContainerRestarter } from '../../../src/core/container-restarter.js';
import { ServiceUnavailableError } from '../../../src/errors/service-unavailable-error.js';
import { OwedStartsStore } from '../../../src/store/owed-starts-store.js';

export type Event = string;

interface FakeContainer {
  readonly id: string;
  readonly name: string;
  running: boolean;
  paused: boolean;
  /** Docker's State.StartedAt, when a test sets it (unknown otherwise, as the port allows). */
  startedAt?: Date;
  /** The datasets it uses (rootfs and bind mounts). */
  filesystems: CapturedFilesystem[];
}

/** Docker, reduced to container states; every call is logged in `events`. */
export class FakeRuntime implements RuntimePort {
  readonly containers = new Map<string, FakeContainer>();
  /** Docker shut down or restarting: every call fails with 503 docker_unavailable, as DockerRuntime maps it. */
  away = false;
  /** Called after each successful stop (a test takes Docker away at that instant). */
  afterStop: ((name: string) => void) | undefined;

  constructor(private readonly events: Event[]) {}

  add(id: string, name: string, filesystems: CapturedFilesystem[], running = true): void {
    this.containers.set(id, { id, name, running, paused: false, filesystems });
  }

  get(id: string): FakeContainer {
    const container = this.containers.get(id);
    if (container === undefined) throw new Error(`no container ${id}`);
    return container;
  }

  private live(c: FakeContainer): LiveContainer {
    const status = c.paused ? 'paused' : c.running ? 'running' : 'exited';
    // Its pool mounts are bind mounts of the dataset's path (the fake driver's mount path is the dataset).
    const binds = c.filesystems.filter((f) => f.role === 'mount').map((f) => ({ type: 'bind', source: f.dataset, destination: f.mountPoint, readOnly: false }));
    const config = sampleConfig();
    return { id: c.id, name: c.name, image: 'busybox', state: { status, running: c.running, paused: c.paused, ...(c.startedAt !== undefined && { startedAt: c.startedAt }) }, config: { ...config, mounts: [...config.mounts, ...binds] } };
  }

  resolveContainer(ref: string): Promise<LiveContainer | undefined> {
    const found = [...this.containers.values()].find((c) => c.id === ref || c.name === ref);
    return Promise.resolve(found === undefined ? undefined : this.live(found));
  }

  listContainers(): Promise<LiveContainer[]> {
    return Promise.resolve([...this.containers.values()].map((c) => this.live(c)));
  }

  inspect(id: string): Promise<LiveContainer> {
    if (this.away) return Promise.reject(dockerAway());
    return Promise.resolve(this.live(this.get(id)));
  }

  stop(id: string): Promise<void> {
    if (this.away) return Promise.reject(dockerAway());
    const c = this.get(id);
    this.events.push(`stop ${c.name}`);
    c.running = false;
    c.paused = false;
    this.afterStop?.(c.name);
    return Promise.resolve();
  }

  start(id: string): Promise<void> {
    const c = this.get(id);
    if (this.away) {
      this.events.push(`start ${c.name} failed: Docker away`);
      return Promise.reject(dockerAway());
    }
    this.events.push(`start ${c.name}`);
    c.running = true;
    return Promise.resolve();
  }

  pause(id: string): Promise<void> {
    const c = this.get(id);
    this.events.push(`pause ${c.name}`);
    c.paused = true;
    return Promise.resolve();
  }

  unpause(id: string): Promise<void> {
    const c = this.get(id);
    this.events.push(`unpause ${c.name}`);
    c.paused = false;
    return Promise.resolve();
  }

  /** Running containers that use the dataset. */
  usersOf(dataset: string): string[] {
    return [...this.containers.values()].filter((c) => c.running && c.filesystems.some((f) => f.dataset === dataset)).map((c) => c.name);
  }
}

function dockerAway(): ServiceUnavailableError {
  return new ServiceUnavailableError('docker_unavailable', 'Docker is shutting down or restarting (fake).');
}

/** The capture set is what the fake container says it uses. */
export class FakeCapture implements CapturePort {
  constructor(private readonly runtime: FakeRuntime) {}

  captureSet(container: LiveContainer): Promise<CaptureEntry[]> {
    return Promise.resolve(
      this.runtime.get(container.id).filesystems.map((filesystem) => ({
        role: filesystem.role,
        mountPoint: filesystem.mountPoint,
        source: filesystem.dataset,
        captured: true,
        reason: null,
        filesystem,
      })),
    );
  }
}

/**
 * Docker's `stop` as it is: the main process gets SIGTERM and has until the stop timeout to exit, so the
 * container still runs for a while after the request. `dieDuringStop`: the process that asks for the next
 * stop dies meanwhile (the call never answers); the container exits at Docker's next step for it (a start
 * while it still runs is a no-op, and then the exit comes; another stop waits for the exit).
 */
export class SlowStopRuntime extends FakeRuntime {
  /** Containers with a stop under way that a dead process asked for. */
  readonly stopping = new Set<string>();
  dieDuringStop = false;

  override stop(id: string): Promise<void> {
    if (this.dieDuringStop) {
      this.dieDuringStop = false;
      this.stopping.add(id);
      return new Promise(() => undefined);
    }
    this.stopping.delete(id);
    return super.stop(id);
  }

  override async start(id: string): Promise<void> {
    await super.start(id);
    if (this.stopping.delete(id)) this.get(id).running = false;
  }
}

/** A dataset is a string of content plus an identity that changes when a restore swaps it. */
export class FakeDriver {
  readonly content = new Map<string, string>();
  readonly identity = new Map<string, number>();
  readonly snapshots = new Map<string, string>();
  private nextIdentity = 1;
  /** Storage look-ups made, by kind: what start-up costs in storage commands. */
  readonly lookups = { snapshotExists: 0, listSnapshots: 0 };
  /** When set, createSnapshot waits for it (to hold a snapshot, and its quiesce, in flight). */
  createGate: Promise<void> | undefined;
  /** Called when createSnapshot reaches the gate. */
  onCreateWaiting: (() => void) | undefined;
  /** The same for restoreSnapshot (a restore in flight, its container stopped). */
  swapGate: Promise<void> | undefined;
  onSwapWaiting: (() => void) | undefined;
  /**
   * Simulates a SIGKILL: the n-th restoreSnapshot call never returns, before or after it swapped, and
   * leaves the journal as a killed process would. Recovery then runs on new service objects.
   */
  freeze: { readonly swap: number; readonly when: 'before' | 'after' } | undefined;
  /** When set, restoreSnapshot fails with it (storage refusing the swap). */
  refuseSwap: Error | undefined;
  private swaps = 0;
  /** What info() reports; restore asks `restoreAnySnapshot` before it stops anything. */
  capabilities: DriverCapabilities = { ...NO_CAPABILITIES, restoreAnySnapshot: true };

  constructor(
    private readonly runtime: FakeRuntime,
    private readonly events: Event[],
  ) {}

  info(): DriverInfo {
    return { name: 'btrfs', version: 'fake', pool: '/pool', capabilities: this.capabilities };
  }

  addDataset(dataset: string, content: string): void {
    this.content.set(dataset, content);
    this.identity.set(dataset, this.nextIdentity++);
  }

  async createSnapshot(dataset: string, name: string): Promise<{ dataset: string; name: string; createdAt: Date }> {
    if (this.createGate !== undefined) {
      this.onCreateWaiting?.();
      await this.createGate;
    }
    this.snapshots.set(`${dataset}@${name}`, this.must(dataset));
    return { dataset, name, createdAt: new Date() };
  }

  snapshotExists(dataset: string, name: string): Promise<boolean> {
    this.lookups.snapshotExists += 1;
    return Promise.resolve(this.snapshots.has(`${dataset}@${name}`));
  }

  destroySnapshot(dataset: string, name: string): Promise<void> {
    this.snapshots.delete(`${dataset}@${name}`);
    return Promise.resolve();
  }

  /** Logs who was running on the dataset at the instant of the swap: the point of these tests. */
  async restoreSnapshot(dataset: string, name: string): Promise<void> {
    if (this.swapGate !== undefined) {
      this.onSwapWaiting?.();
      await this.swapGate;
    }
    if (this.refuseSwap !== undefined) throw this.refuseSwap;
    this.swaps += 1;
    const frozen = this.freeze?.swap === this.swaps ? this.freeze.when : undefined;
    if (frozen === 'before') await forever();
    const content = this.snapshots.get(`${dataset}@${name}`);
    if (content === undefined) throw new Error(`no snapshot ${dataset}@${name}`);
    const users = this.runtime.usersOf(dataset);
    this.events.push(`swap ${dataset}${users.length > 0 ? ` while ${users.join(',')} running` : ''}`);
    this.content.set(dataset, content);
    this.identity.set(dataset, this.nextIdentity++);
    if (frozen === 'after') await forever();
  }

  datasetIdentity(dataset: string): Promise<string> {
    this.must(dataset);
    return Promise.resolve(String(this.identity.get(dataset)));
  }

  snapshotUsage(): Promise<{ exclusiveBytes: number; referencedBytes: number }> {
    return Promise.resolve({ exclusiveBytes: 0, referencedBytes: 0 });
  }

  mountPath(dataset: string): Promise<string> {
    return Promise.resolve(dataset);
  }

  /** What each recover() call answers, in turn (a function may throw); empty: nothing to recover. */
  readonly recoverAnswers: (() => RecoveryAction[])[] = [];
  recoverCalls = 0;
  /** Called at each recover() (a test logs it into its own event list). */
  recoverHook: (() => void) | undefined;
  probeFails = false;

  recover(): Promise<RecoveryAction[]> {
    this.recoverCalls += 1;
    this.recoverHook?.();
    const answer = this.recoverAnswers.shift();
    try {
      return Promise.resolve(answer === undefined ? [] : answer());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  probe(): Promise<void> {
    return this.probeFails ? Promise.reject(new Error('zfs: no pool')) : Promise.resolve();
  }

  datasetExists(dataset: string): Promise<boolean> {
    return Promise.resolve(this.content.has(dataset));
  }

  /** Datasets a test has "unmounted" (zfs left them so after a crash). */
  readonly unmounted = new Set<string>();
  datasetMounted(dataset: string): Promise<boolean> {
    return Promise.resolve(this.content.has(dataset) && !this.unmounted.has(dataset));
  }

  listSnapshots(dataset: string): Promise<{ dataset: string; name: string; createdAt: Date }[]> {
    this.lookups.listSnapshots += 1;
    const names = [...this.snapshots.keys()].filter((key) => key.startsWith(`${dataset}@`)).map((key) => key.slice(dataset.length + 1));
    return Promise.resolve(names.map((name) => ({ dataset, name, createdAt: new Date(0) })));
  }

  private must(dataset: string): string {
    const content = this.content.get(dataset);
    if (content === undefined) throw new Error(`no dataset ${dataset}`);
    return content;
  }
}

export function rootfs(dataset: string): CapturedFilesystem {
  return { role: 'rootfs', mountPoint: '/', driver: 'btrfs', pool: 'main', dataset };
}

export function poolMount(dataset: string, mountPoint = '/data'): CapturedFilesystem {
  return { role: 'mount', mountPoint, driver: 'btrfs', pool: 'main', dataset };
}

export interface RestoreHarness<R extends FakeRuntime = FakeRuntime, D extends FakeDriver = FakeDriver> {
  readonly test: TestStore;
  readonly events: Event[];
  readonly runtime: R;
  readonly driver: D;
  readonly pools: PoolRegistry;
  readonly creator: SnapshotCreator;
  readonly restorer: RestoreService;
  readonly deleter: SnapshotDeleter;
  readonly service: SnapshotService;
  /** Starts containers Docker could not start (it was away) once it is back; retries every 20 ms here. */
  readonly restarter: ContainerRestarter;
  readonly owedStarts: OwedStartsStore;
  /** Start-up recovery over this harness's store, pools, runtime and services, as after a restart. */
  recoverAtStartup(options?: { log?: RecoveryLog; now?: () => number }): Promise<StartupReport>;
  destroy(): Promise<void>;
}

export interface RestoreHarnessOptions<R extends FakeRuntime, D extends FakeDriver> {
  readonly lockWaitMs?: number;
  /** A fake Docker with a twist of the test's own (a lagging cache, a failing call). */
  readonly runtime?: (events: Event[]) => R;
  readonly driver?: (runtime: R, events: Event[]) => D;
}

/** The real snapshot/restore services on fake Docker and storage, with a real store. */
export function createRestoreHarness<R extends FakeRuntime = FakeRuntime, D extends FakeDriver = FakeDriver>(
  options: RestoreHarnessOptions<R, D> = {},
): RestoreHarness<R, D> {
  const test = createTestStore();
  const events: Event[] = [];
  const runtime = options.runtime?.(events) ?? (new FakeRuntime(events) as R);
  const driver = options.driver?.(runtime, events) ?? (new FakeDriver(runtime, events) as D);
  const pools = new PoolRegistry([{ id: 'main', driver: driver as unknown as StorageDriver }]);
  const capture = new FakeCapture(runtime);
  const store = test.store;
  const clock = test.clock;
  const datasetLocks = new DatasetLocks(options.lockWaitMs ?? 5_000);
  const locks = new ContainerLocks(options.lockWaitMs ?? 5_000);
  const owedStarts = new OwedStartsStore(test.db, clock);
  const restarter = new ContainerRestarter({ owed: owedStarts, runtime, tryLocked: (id, operation, body) => locks.tryRun(id, operation, body), retryMs: 20 });
  const creator = new SnapshotCreator({ store, runtime, capture, datasetLocks, pools, clock, restarter });
  const restorer = new RestoreService({ store, runtime, capture, datasetLocks, creator, pools, clock, restarter });
  const deleter = new SnapshotDeleter(store, pools);
  const resolver = new ContainerResolver(runtime, store, clock);
  const service = new SnapshotService({ store, resolver, locks, creator, deleter, restorer, clock });
  const recover = (options: { log?: RecoveryLog; now?: () => number } = {}): Promise<StartupReport> =>
    recoverAtStartup({
      ...options,
      store,
      pools,
      runtime,
      restorer,
      deleter,
      removeContainer: () => Promise.resolve(),
      listRunning: async () => (await runtime.listContainers()).filter((container) => container.state.running),
      restarter,
    });
  const destroy = (): Promise<void> => {
    restarter.close();
    return test.destroy();
  };
  return { test, events, runtime, driver, pools, creator, restorer, deleter, service, restarter, owedStarts, recoverAtStartup: recover, destroy };
}

/** A process killed at this point: nothing after it ever runs. */
function forever(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Starts a snapshot of `container` that the process "dies" in: the kernel call never returns. */
export async function snapshotThatDies(harness: RestoreHarness, container: string, options: Parameters<SnapshotService['create']>[1] = {}): Promise<void> {
  harness.driver.createGate = forever();
  void harness.service.create(container, options);
  await settle();
}
