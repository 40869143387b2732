import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DriverInfo, DriverName } from '../../storage-drivers/driver.js';
import type { RecordedContainerConfig, RecordedMount } from '../../src/core/model.js';
import type { LiveContainer } from '../../src/core/ports.js';
import { InternalError } from '../../src/errors/internal-error.js';
import { ServiceUnavailableError } from '../../src/errors/service-unavailable-error.js';
import { CaptureResolver, type CapturePool, type CaptureRuntime } from '../../src/runtime/capture-resolver.js';
import type { StorageInfo } from '../../src/runtime/docker-runtime.js';

const ID = 'a'.repeat(64);
const DATA_ROOT = '/pool/docker';
const LAYER = `${DATA_ROOT}/btrfs/subvolumes/${'b'.repeat(64)}`;

/** A driver that owns exactly the listed paths as dataset roots (the real ones are tested on real pools). */
function fakePool(id: string, name: DriverName, pool: string, datasets: Record<string, string>): CapturePool {
  const info: DriverInfo = {
    name,
    version: 'fake',
    pool,
    capabilities: { restoreAnySnapshot: true, usageAccounting: true, diff: 'none', holds: false, deferredDestroy: true, nestedDatasets: false, send: false, incrementalSend: false, resumableReceive: false },
  };
  return { id, driver: { info: () => info, datasetForPath: (path) => Promise.resolve(datasets[path]) } };
}

class FakeRuntime implements CaptureRuntime {
  cachedAsked: boolean[] = [];
  storage: StorageInfo | Error = { driver: 'btrfs', dataRoot: DATA_ROOT };
  layer: string | Error = LAYER;

  storageInfo(options: { cached?: boolean } = {}): Promise<StorageInfo> {
    this.cachedAsked.push(options.cached === true);
    return this.storage instanceof Error ? Promise.reject(this.storage) : Promise.resolve(this.storage);
  }

  rootfsLayerPath(containerId: string, dataRoot: string): Promise<string> {
    assert.equal(containerId, ID);
    assert.equal(dataRoot, DATA_ROOT);
    return this.layer instanceof Error ? Promise.reject(this.layer) : Promise.resolve(this.layer);
  }
}

function container(mounts: RecordedMount[], graphDriver?: string): LiveContainer & { graphDriver?: string } {
  const config = { mounts } as unknown as RecordedContainerConfig;
  const live: LiveContainer = { id: ID, name: 'web', image: 'img', state: { status: 'running', running: true, paused: false }, config };
  return graphDriver === undefined ? live : { ...live, graphDriver };
}

const bind = (source: string, destination: string): RecordedMount => ({ type: 'bind', source, destination, readOnly: false });
const btrfsPool = fakePool('docker-pool', 'btrfs', '/pool', { [LAYER]: LAYER, '/pool/app': '/pool/app' });
const zfsPool = fakePool('tank', 'zfs', 'tank', { '/tank/db': 'tank/db' });

describe('capture set', () => {
  it('captures the btrfs rootfs and dataset-root bind mounts on any pool, each once, listing the rest with reasons', async () => {
    const resolver = new CaptureResolver(new FakeRuntime(), [btrfsPool, zfsPool]);
    const entries = await resolver.captureSet(
      container([
        bind('/tank/db', '/db'),
        bind('/pool/app', '/app'),
        bind('/pool/app', '/app2'),
        bind('/pool/app/sub', '/sub'),
        bind('/etc', '/etc-host'),
        bind(`${DATA_ROOT}/btrfs/subvolumes/other`, '/sneaky'),
        { type: 'volume', source: '/pool/docker/volumes/v/_data', destination: '/vol', readOnly: false, name: 'v' },
        { type: 'tmpfs', source: '', destination: '/run', readOnly: false },
        { type: 'npipe', source: 'x', destination: '/pipe', readOnly: false },
      ]),
    );
    const view = entries.map((e) => [e.mountPoint, e.captured ? `${e.filesystem?.driver}:${e.filesystem?.pool}:${e.filesystem?.dataset}` : e.reason]);
    assert.deepEqual(view, [
      ['/', `btrfs:docker-pool:${LAYER}`],
      ['/app', 'btrfs:docker-pool:/pool/app'],
      ['/app2', 'same dataset as /app, captured there'],
      ['/db', 'zfs:tank:tank/db'],
      ['/etc-host', 'not the root of a btrfs subvolume or ZFS dataset on a configured pool'],
      ['/pipe', 'npipe mount: only bind mounts are captured'],
      ['/run', 'tmpfs lives in memory, not on disk'],
      ['/sneaky', "inside Docker's data root /pool/docker, which Docker owns"],
      ['/sub', 'a folder in pool "docker-pool", not the root of a subvolume'],
      ['/vol', 'Docker volume "v": volumes are not captured; bind-mount a subvolume or dataset of a pool instead'],
    ]);
    assert.equal(entries.find((e) => e.mountPoint === '/run')?.source, null);
    assert.equal(entries.find((e) => e.mountPoint === '/app2')?.source, '/pool/app');
    assert.deepEqual(entries[1]?.filesystem, { role: 'mount', mountPoint: '/app', driver: 'btrfs', pool: 'docker-pool', dataset: '/pool/app' });
  });

  it('reports a rootfs on another storage driver as not capturable, mounts still captured', async () => {
    const resolver = new CaptureResolver(new FakeRuntime(), [btrfsPool]);
    for (const [driver, reason] of [
      ['overlay2', 'Docker storage driver is overlay2; the rootfs is captured only with the btrfs driver'],
      ['zfs', "Docker's zfs storage driver destroys snapshots on docker rm"],
    ] as const) {
      const entries = await resolver.captureSet(container([bind('/pool/app', '/app')], driver));
      assert.deepEqual(entries[0], { role: 'rootfs', mountPoint: '/', source: null, captured: false, reason, filesystem: null });
      assert.equal(entries[1]?.captured, true);
    }
  });

  it('says so when the layer is not on a configured pool or cannot be found', async () => {
    const runtime = new FakeRuntime();
    const resolver = new CaptureResolver(runtime, [zfsPool]);
    assert.equal((await resolver.captureSet(container([])))[0]?.reason, "Docker's data root /pool/docker is not on a configured btrfs pool");
    const refusing = fakePool('docker-pool', 'btrfs', '/pool', {});
    assert.equal(
      (await new CaptureResolver(runtime, [refusing]).captureSet(container([])))[0]?.reason,
      'the writable layer is inside pool "docker-pool", but its driver does not accept it as a subvolume',
    );
    runtime.layer = new InternalError('rootfs_layer_unknown', 'mount-id is unreadable (ENOENT).');
    const [rootfs] = await new CaptureResolver(runtime, [btrfsPool]).captureSet(container([]));
    assert.equal(rootfs?.captured, false);
    assert.match(rootfs.reason ?? '', /writable layer not found: mount-id is unreadable/);
  });

  it('asks the runtime for docker info it may answer from its cache, and fails when Docker cannot answer', async () => {
    const runtime = new FakeRuntime();
    const resolver = new CaptureResolver(runtime, [btrfsPool]);
    runtime.storage = new ServiceUnavailableError('docker_unavailable', 'down');
    await assert.rejects(resolver.captureSet(container([])), ServiceUnavailableError);
    runtime.storage = { driver: 'btrfs', dataRoot: DATA_ROOT };
    assert.equal((await resolver.captureSet(container([])))[0]?.captured, true);
    assert.deepEqual(runtime.cachedAsked, [true, true], 'the runtime keeps docker info (storage-info-cache.ts)');
  });
});
