/** A ReplicaService on a real test store with in-memory send drivers; the remote is a fake unless one is given. */
import pino from 'pino';
import { ContainerLocks } from '../../src/core/container-lock.js';
import type { SnapshotRecord } from '../../src/core/model.js';
import { PoolRegistry } from '../../src/core/pool-registry.js';
import type { RemotePort } from '../../src/core/remote-port.js';
import { RemoteRegistry } from '../../src/core/remote-registry.js';
import { ReplicaService } from '../../src/core/replica-service.js';
import { SnapshotDeleter } from '../../src/core/snapshot-deleter.js';
import { SnapshotPins } from '../../src/core/snapshot-pins.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { ReplicaStore } from '../../src/store/replica-store.js';
import { newSnapshot, type TestStore } from '../store/store-fixture.js';
import { FakeRemote } from './fake-remote.js';
import { FakeSendDriver } from './fake-send-driver.js';

export interface Harness<R extends RemotePort = FakeRemote> {
  readonly service: ReplicaService;
  readonly remote: R;
  readonly drivers: { main: FakeSendDriver; tank: FakeSendDriver };
  readonly operations: OperationStore;
  readonly replicas: ReplicaStore;
  readonly pins: SnapshotPins;
  readonly deleter: SnapshotDeleter;
}

export function harness<R extends RemotePort = FakeRemote>(
  test: TestStore,
  options: { maxConcurrentUploads?: number; remote?: R; drivers?: Harness['drivers'] } = {},
): Harness<R> {
  const remote = options.remote ?? (new FakeRemote('offsite') as unknown as R);
  const drivers = options.drivers ?? { main: new FakeSendDriver(), tank: new FakeSendDriver() };
  const pools = new PoolRegistry([
    { id: 'main', driver: drivers.main.asDriver() },
    { id: 'tank', driver: drivers.tank.asDriver() },
  ]);
  const operations = new OperationStore(test.db, test.clock);
  const replicas = new ReplicaStore(test.db);
  const pins = new SnapshotPins();
  const store = test.store;
  const service = new ReplicaService({
    store,
    replicas,
    operations,
    resolver: {
      resolve: (ref: string) => {
        const record = store.findContainers(ref)[0];
        if (record === undefined) throw new Error(`no container ${ref}`);
        return Promise.resolve({ record, live: undefined });
      },
    },
    locks: new ContainerLocks(50),
    pools,
    capabilities: (poolId) => {
      const driver = poolId === 'main' ? drivers.main : poolId === 'tank' ? drivers.tank : undefined;
      return driver === undefined ? undefined : { ...driver.capabilities, resumableReceive: false } as never;
    },
    remotes: new RemoteRegistry([remote]),
    pins,
    clock: test.clock,
    logger: pino({ level: 'silent' }),
    cowsnapVersion: 'test',
    maxConcurrentUploads: options.maxConcurrentUploads ?? 2,
  });
  const deleter = new SnapshotDeleter(store, pools, (snapshot) => {
    pins.assertDeletable(snapshot);
  });
  return { service, remote, drivers, operations, replicas, pins, deleter };
}

export function readySnapshot(test: TestStore, createdAt: string): SnapshotRecord {
  const reserved = test.store.reserveSnapshot(newSnapshot({ createdAt: new Date(createdAt) }));
  return test.store.markSnapshotReady(reserved.id, { sizeBytes: 100, filesystems: reserved.filesystems });
}

/** A ready snapshot of 'web' at `createdAt`, pushed to 'offsite', its upload finished. */
export async function pushedSnapshot(h: Pick<Harness, 'service'>, test: TestStore, createdAt: string): Promise<SnapshotRecord> {
  const snapshot = readySnapshot(test, createdAt);
  await h.service.push('web', snapshot.name, 'offsite');
  await h.service.idle();
  return snapshot;
}
