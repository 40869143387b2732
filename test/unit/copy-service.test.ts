/**
 * Copy's failure paths on a real SQLite store, with Docker and the storage driver faked: the point is
 * which error the caller gets and that nothing is left behind (the real-Docker proof is
 * test/e2e/copy.test.ts and test/e2e/copy-hardening.test.ts).
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { AlreadyExistsError, InvalidNameError } from '../../storage-drivers/common/errors.js';
import { assertNoProblems, nameProblems } from '../../storage-drivers/common/names.js';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { ContainerLocks } from '../../src/core/container-lock.js';
import type { ContainerResolver } from '../../src/core/container-resolver.js';
import { DatasetLocks } from '../../src/core/dataset-locks.js';
import { CopyService, type CopyRuntime } from '../../src/core/copy-service.js';
import type { RecordedContainerConfig, SnapshotRecord } from '../../src/core/model.js';
import { PoolRegistry } from '../../src/core/pool-registry.js';
import type { SnapshotCreator } from '../../src/core/snapshot-creator.js';
import type { SnapshotDeleter } from '../../src/core/snapshot-deleter.js';
import { AppError } from '../../src/errors/app-error.js';
import { ConflictError } from '../../src/errors/conflict-error.js';
import { ServiceUnavailableError } from '../../src/errors/service-unavailable-error.js';
import { ValidationError } from '../../src/errors/validation-error.js';
import { CONTAINER_ID, createTestStore, newSnapshot, sampleConfig, withContainer } from '../store/store-fixture.js';

const SOURCE_LAYER = '/pool/layers/source';

/** Datasets are paths under /pool; clones and destroys only change the set. */
class FakeDriver {
  readonly datasets = new Set<string>([SOURCE_LAYER, '/pool/web-data']);
  /** Like ZFS: a dataset name (with a long root dataset) longer than this cannot take a snapshot name. */
  maxDatasetLength = 4096;
  childDataset(name: string): string {
    assertNoProblems(nameProblems('dataset name', name));
    return `/pool/${name}`;
  }
  datasetExists(dataset: string): Promise<boolean> {
    if (dataset.length > this.maxDatasetLength) {
      return Promise.reject(new InvalidNameError('invalid name: dataset name is too long', [`dataset name is ${dataset.length} characters long`]));
    }
    return Promise.resolve(this.datasets.has(dataset));
  }
  cloneSnapshot(_dataset: string, _name: string, target: string): Promise<void> {
    if (this.datasets.has(target)) return Promise.reject(new AlreadyExistsError(`dataset ${target} already exists`));
    this.datasets.add(target);
    return Promise.resolve();
  }
  destroyDataset(dataset: string): Promise<void> {
    this.datasets.delete(dataset);
    return Promise.resolve();
  }
  mountPath(dataset: string): Promise<string> {
    return Promise.resolve(dataset);
  }
  datasetForPath(path: string): Promise<string | undefined> {
    return Promise.resolve(this.datasets.has(path) ? path : undefined);
  }
}

/** Docker as copy sees it: containers by name, a fresh layer per created container. */
class FakeRuntime implements CopyRuntime {
  readonly containers = new Map<string, string>();
  readonly created: { name: string; config: RecordedContainerConfig; bindSources: Record<string, string> }[] = [];
  /** Someone else creates a container with this name right before ours (the race the pre-check misses). */
  racer: string | undefined;
  /** What Docker answers to the create, instead of creating. */
  createFailure: Error | undefined;
  /** Docker's layers live off the pool (another data root). */
  layersOffPool = false;
  constructor(private readonly driver: FakeDriver) {}
  resolveContainer(ref: string): Promise<{ id: string } | undefined> {
    const id = this.containers.get(ref);
    return Promise.resolve(id === undefined ? undefined : { id });
  }
  createContainer(name: string, config: RecordedContainerConfig, overrides: { bindSources: Record<string, string> }): Promise<string> {
    if (this.racer === name) this.containers.set(name, 'racer-id');
    if (this.createFailure !== undefined) return Promise.reject(this.createFailure);
    if (this.containers.has(name)) {
      return Promise.reject(new ConflictError('docker_conflict', `Docker refused to create container ${name}: Conflict. The container name "/${name}" is already in use`));
    }
    const id = `id-${name}`;
    this.containers.set(name, id);
    this.created.push({ name, config, bindSources: overrides.bindSources });
    if (!this.layersOffPool) this.driver.datasets.add(`/pool/layers/${id}`);
    return Promise.resolve(id);
  }
  remove(id: string): Promise<void> {
    for (const [name, held] of this.containers) if (held === id) this.containers.delete(name);
    this.driver.datasets.delete(`/pool/layers/${id}`);
    return Promise.resolve();
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  inspect(): Promise<{ state: { status: string } }> {
    return Promise.resolve({ state: { status: 'running' } });
  }
  storageInfo(): Promise<{ driver: string; dataRoot: string }> {
    return Promise.resolve({ driver: 'btrfs', dataRoot: '/pool/docker' });
  }
  rootfsLayerPath(containerId: string): Promise<string> {
    return Promise.resolve(this.layersOffPool ? `/elsewhere/${containerId}` : `/pool/layers/${containerId}`);
  }
}

describe('copy service failures', () => {
  const test = createTestStore();
  after(() => test.destroy());
  let driver: FakeDriver;
  let runtime: FakeRuntime;
  let service: CopyService;
  let snapshot: SnapshotRecord;
  let datasetLocks: DatasetLocks;

  beforeEach(() => {
    driver = new FakeDriver();
    runtime = new FakeRuntime(driver);
    datasetLocks = new DatasetLocks(5_000);
    const store = withContainer(test);
    const record = store.getContainer(CONTAINER_ID);
    assert.ok(record);
    const reserved = store.reserveSnapshot(
      newSnapshot({
        filesystems: [
          { role: 'rootfs', mountPoint: '/', driver: 'btrfs', pool: 'main', dataset: SOURCE_LAYER },
          { role: 'mount', mountPoint: '/data', driver: 'btrfs', pool: 'main', dataset: '/pool/web-data' },
        ],
      }),
    );
    snapshot = store.markSnapshotReady(reserved.id, { sizeBytes: null, filesystems: reserved.filesystems });
    const resolver = { resolve: () => Promise.resolve({ record, live: undefined }) } as unknown as ContainerResolver;
    service = new CopyService({
      store,
      runtime,
      resolver,
      locks: new ContainerLocks(0),
      datasetLocks,
      // Every copy here names its source snapshot: no temporary snapshot is made or deleted.
      creator: undefined as unknown as SnapshotCreator,
      deleter: undefined as unknown as SnapshotDeleter,
      pools: new PoolRegistry([{ id: 'main', driver: driver as unknown as StorageDriver }]),
      clock: test.clock,
    });
  });

  /** Nothing left: the datasets are the source's, no container but the ones named, no copy journaled as running. */
  function assertNothingLeft(containers: string[] = []): void {
    assert.deepEqual([...driver.datasets].sort(), [SOURCE_LAYER, '/pool/web-data']);
    assert.deepEqual([...runtime.containers.keys()], containers);
    assert.deepEqual(test.store.listUnfinishedOperations(), []);
  }

  it('answers 409 name_taken when Docker took the name after the pre-check, and leaves nothing', async () => {
    runtime.racer = 'dev';
    await assert.rejects(service.copy('web', { name: 'dev', sourceSnapshot: snapshot.name }), (error: unknown) => {
      assert.ok(error instanceof AppError, String(error));
      assert.equal(error.statusCode, 409);
      assert.equal(error.code, 'name_taken');
      return true;
    });
    assertNothingLeft(['dev']);
  });

  for (const [label, failure, status] of [
    ['Docker unreachable', new ServiceUnavailableError('docker_unavailable', 'Docker is not reachable (ECONNREFUSED)'), 503],
    ['Docker refusing the settings', new ValidationError([{ path: '', message: 'Docker refused to create container dev: invalid mount config' }], 'docker_rejected'), 400],
  ] as const) {
    it(`passes ${label} through as ${status}, leaving nothing`, async () => {
      runtime.createFailure = failure;
      await assert.rejects(service.copy('web', { name: 'dev', sourceSnapshot: snapshot.name }), (error: unknown) => {
        assert.ok(error instanceof AppError, String(error));
        assert.equal(error.statusCode, status);
        return true;
      });
      assertNothingLeft();
    });
  }

  it('answers 409 rootfs_not_on_pool without a host path, leaving nothing', async () => {
    runtime.layersOffPool = true;
    await assert.rejects(service.copy('web', { name: 'dev', sourceSnapshot: snapshot.name }), (error: unknown) => {
      assert.ok(error instanceof AppError, String(error));
      assert.equal(error.statusCode, 409);
      assert.equal(error.code, 'rootfs_not_on_pool');
      assert.doesNotMatch(error.message, /\/elsewhere|\/pool/);
      return true;
    });
    assertNothingLeft();
  });

  it('picks the next free dataset number when an earlier copy of the same name left its datasets', async () => {
    // What `docker rm` of an earlier copy "dev" leaves: its cloned pool mount.
    driver.datasets.add('/pool/cowsnap-copy-dev-1');
    const result = await service.copy('web', { name: 'dev', sourceSnapshot: snapshot.name });
    assert.equal(result.container.name, 'dev');
    assert.deepEqual(runtime.created[0]?.bindSources, { '/data': '/pool/cowsnap-copy-dev-2' });
  });

  it('lets only one of two simultaneous copies to one name through; the other is 409 name_taken', async () => {
    const results = await Promise.allSettled([
      service.copy('web', { name: 'twin', sourceSnapshot: snapshot.name }),
      service.copy('web', { name: 'twin', sourceSnapshot: snapshot.name }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const refused = results.find((r) => r.status === 'rejected');
    assert.ok(refused?.reason instanceof ConflictError && refused.reason.code === 'name_taken', String(refused?.reason));
    assert.deepEqual(runtime.created.map((c) => c.bindSources), [{ '/data': '/pool/cowsnap-copy-twin-1' }]);
  });

  it('clones a dataset another container is being restored to only once that restore is done', async () => {
    // Another container mounts /pool/web-data too, and its restore holds the dataset while it swaps it.
    let swapDone!: () => void;
    const restore = datasetLocks.run([{ pool: 'main', dataset: '/pool/web-data' }], 'restore of web-2', () => new Promise<void>((resolve) => (swapDone = resolve)));
    const copy = service.copy('web', { name: 'waits', sourceSnapshot: snapshot.name });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(driver.datasets.has('/pool/cowsnap-copy-waits-1'), false, 'no clone while the dataset is being swapped');

    swapDone();
    await restore;
    const result = await copy;

    assert.equal(result.container.name, 'waits');
    assert.equal(driver.datasets.has('/pool/cowsnap-copy-waits-1'), true);
  });

  it('refuses with 400 a name whose datasets the pool cannot hold, before anything is made', async () => {
    driver.maxDatasetLength = 30;
    await assert.rejects(service.copy('web', { name: 'a-rather-long-copy-name', sourceSnapshot: snapshot.name }), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.equal(error.code, 'invalid_copy_name');
      return true;
    });
    assertNothingLeft();
    const started = test.db.prepare("SELECT count(*) AS n FROM operations WHERE kind = 'copy' AND payload LIKE '%a-rather-long%'").get() as { n: number };
    assert.equal(started.n, 0);
  });

  it('refuses a name longer than a hostname (63) with 400 before doing anything', async () => {
    const name = `a${'b'.repeat(63)}`;
    await assert.rejects(service.copy('web', { name, sourceSnapshot: snapshot.name }), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.match(error.message, /63/);
      return true;
    });
    assertNothingLeft();
    const started = test.db.prepare("SELECT count(*) AS n FROM operations WHERE kind = 'copy' AND payload LIKE ?").get(`%${name}%`) as { n: number };
    assert.equal(started.n, 0, 'no copy was even journaled');
  });

  it('says in warnings when the snapshot recorded no security and resource settings (taken before they were recorded)', async () => {
    const result = await service.copy('web', { name: 'dev', sourceSnapshot: snapshot.name });
    assert.ok(
      result.warnings.some((w) => /not recorded/.test(w) && /capabilities/.test(w) && /read-only/.test(w)),
      JSON.stringify(result.warnings),
    );
  });

  it('lists every recorded setting it could not carry over, and re-applies the others', async () => {
    const store = test.store;
    const reserved = store.reserveSnapshot(
      newSnapshot({
        config: {
          ...sampleConfig(),
          dockerSettings: {
            hostConfig: { CapDrop: ['ALL'], ReadonlyRootfs: true },
            config: {},
            notCarried: ['StorageOpt (size=1G) was not carried over: the storage options applied to the layer Docker made, which the copy replaces'],
          },
        },
        filesystems: [{ role: 'rootfs', mountPoint: '/', driver: 'btrfs', pool: 'main', dataset: SOURCE_LAYER }],
      }),
    );
    store.markSnapshotReady(reserved.id, { sizeBytes: null, filesystems: reserved.filesystems });
    const result = await service.copy('web', { name: 'hardened', sourceSnapshot: reserved.name });
    assert.ok(result.warnings.some((w) => w.startsWith('StorageOpt (size=1G)')), JSON.stringify(result.warnings));
    assert.equal(result.warnings.some((w) => /not recorded/.test(w)), false);
    assert.deepEqual(runtime.created[0]?.config.dockerSettings?.hostConfig, { CapDrop: ['ALL'], ReadonlyRootfs: true });
  });
});
