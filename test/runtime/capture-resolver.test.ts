import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BtrfsDriver } from '../../storage-drivers/btrfs/btrfs-driver.js';
import { ZfsDriver } from '../../storage-drivers/zfs/zfs-driver.js';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import type { CaptureEntry } from '../../src/core/api-types.js';
import { CaptureResolver } from '../../src/runtime/capture-resolver.js';
import type { ContainerDetails } from '../../src/runtime/container-details.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { needs } from '../support/components.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { execIn } from '../support/docker-exec.js';
import { scratchDir } from '../support/scratch.js';
import { createZfsPool, type TestZfsPool } from '../support/zfs-pool.js';

describe('capture set of a real container (real dockerd on btrfs, real BtrfsDriver on its pool)', needs('docker'), () => {
  const runner = new ExecFileRunner();
  let engine: TestDockerEngine;
  let runtime: DockerRuntime;
  let driver: BtrfsDriver;
  let details: ContainerDetails;
  let appdata: string;
  let plain: string;
  let outside: string;

  before(async () => {
    engine = await createDockerEngine();
    runtime = new DockerRuntime(engine.docker, { stopTimeoutSeconds: 1 });
    driver = new BtrfsDriver({ poolPath: engine.pool.mountPoint, runner });
    await driver.probe();
    appdata = join(engine.pool.mountPoint, 'volumes', 'appdata');
    await mkdir(join(engine.pool.mountPoint, 'volumes'), { recursive: true });
    await runner.run('btrfs', ['subvolume', 'create', appdata]);
    plain = join(engine.pool.mountPoint, 'plain-folder');
    await mkdir(plain);
    outside = scratchDir('outside');
    const container = await engine.docker.createContainer({
      name: 'capture',
      Image: engine.image,
      Cmd: ['sleep', '600'],
      HostConfig: {
        Binds: [`${appdata}:/app`, `${appdata}:/app-again:ro`, `${plain}:/plain`, `${outside}:/outside`],
        Mounts: [{ Type: 'volume', Source: 'named-vol', Target: '/vol' }],
        Tmpfs: { '/scratch': '' },
      },
    });
    await container.start();
    await execIn(container, ['sh', '-c', 'echo in-rootfs > /proof.txt && echo in-app > /app/proof.txt']);
    details = await runtime.inspect('capture');
  });
  after(() => engine.destroy());

  it('captures the rootfs layer and the subvolume bind mount, and says why each other mount is not', async () => {
    const resolver = new CaptureResolver(runtime, [{ id: 'docker-pool', driver }]);
    const entries = await resolver.captureSet(details);
    const layer = await runtime.rootfsLayerPath(details.id, engine.dataRoot);
    assert.deepEqual(
      entries.map((e) => e.mountPoint),
      ['/', '/app', '/app-again', '/outside', '/plain', '/scratch', '/vol'],
      'every filesystem of the container is listed, none skipped',
    );
    const at = byMountPoint(entries);
    assert.deepEqual(at.get('/app'), {
      role: 'mount',
      mountPoint: '/app',
      source: appdata,
      captured: true,
      reason: null,
      filesystem: { role: 'mount', mountPoint: '/app', driver: 'btrfs', pool: 'docker-pool', dataset: appdata },
    });
    const reasons: Record<string, RegExp> = {
      '/app-again': /same dataset as \/app/,
      '/plain': /a folder in pool "docker-pool", not the root of a subvolume/,
      '/outside': /not the root of a btrfs subvolume or ZFS dataset on a configured pool/,
      '/scratch': /tmpfs/,
      '/vol': /Docker volume "named-vol"/,
    };
    for (const [mountPoint, reason] of Object.entries(reasons)) {
      const entry = at.get(mountPoint);
      assert.equal(entry?.captured, false, mountPoint);
      assert.equal(entry.filesystem, null);
      assert.match(entry.reason ?? '', reason, mountPoint);
    }
    // Last, so a failure here says the rootfs alone is the problem.
    assert.deepEqual(at.get('/'), {
      role: 'rootfs',
      mountPoint: '/',
      source: layer,
      captured: true,
      reason: null,
      filesystem: { role: 'rootfs', mountPoint: '/', driver: 'btrfs', pool: 'docker-pool', dataset: layer },
    });
  });

  it('hands the driver datasets it can really snapshot, holding what the container wrote', async () => {
    const resolver = new CaptureResolver(runtime, [{ id: 'docker-pool', driver }]);
    const captured = (await resolver.captureSet(details)).flatMap((e) => (e.filesystem === null ? [] : [e.filesystem]));
    for (const filesystem of captured.reverse()) {
      await driver.createSnapshot(filesystem.dataset, 'capture-probe');
      const clone = join(engine.pool.mountPoint, `clone-${filesystem.role}`);
      await driver.cloneSnapshot(filesystem.dataset, 'capture-probe', clone);
      const expected = filesystem.role === 'rootfs' ? 'in-rootfs\n' : 'in-app\n';
      assert.equal(await readFile(join(clone, 'proof.txt'), 'utf8'), expected);
      await driver.destroyDataset(clone);
      await driver.destroySnapshot(filesystem.dataset, 'capture-probe');
    }
    assert.deepEqual(captured.map((f) => f.role).sort(), ['mount', 'rootfs']);
  });

  it('reports the rootfs as not capturable when Docker\'s data root is on no configured pool', async () => {
    const resolver = new CaptureResolver(runtime, []);
    const entries = await resolver.captureSet(details);
    assert.ok(entries.every((e) => !e.captured && e.filesystem === null));
    const rootfs = byMountPoint(entries).get('/');
    assert.equal(rootfs?.reason, `Docker's data root ${engine.dataRoot} is not on a configured btrfs pool`);
    assert.match(byMountPoint(entries).get('/app')?.reason ?? '', /on a configured pool/);
  });

  it('works from a bare LiveContainer too, asking docker info for the storage driver', async () => {
    const { graphDriver: _graphDriver, ...live } = details;
    const entries = await new CaptureResolver(runtime, [{ id: 'docker-pool', driver }]).captureSet(live);
    assert.equal(byMountPoint(entries).get('/')?.captured, true);
  });
});

describe('capture set with a bind mount from a real ZFS dataset (zfs-fuse)', needs('docker', 'zfs'), () => {
  const runner = new ExecFileRunner();
  let engine: TestDockerEngine;
  let zfs: TestZfsPool;

  before(async () => {
    engine = await createDockerEngine();
    zfs = await createZfsPool();
  });
  after(async () => {
    await engine.destroy();
    await zfs.destroy();
  });

  it('captures a dataset root on the ZFS pool and lists a folder inside it as not captured', async () => {
    const runtime = new DockerRuntime(engine.docker, { stopTimeoutSeconds: 1 });
    const driver = new ZfsDriver({ rootDataset: zfs.name, runner });
    await driver.probe();
    const dataset = `${zfs.name}/dbdata`;
    await runner.run('zfs', ['create', dataset]);
    const datasetPath = join(zfs.mountPoint, 'dbdata');
    await mkdir(join(datasetPath, 'inner'));
    const container = await engine.docker.createContainer({
      name: 'zfs-mounts',
      Image: engine.image,
      Cmd: ['sleep', '600'],
      HostConfig: { Binds: [`${datasetPath}:/db`, `${join(datasetPath, 'inner')}:/inner`] },
    });
    await container.start();
    const resolver = new CaptureResolver(runtime, [{ id: 'tank', driver }]);
    const at = byMountPoint(await resolver.captureSet(await runtime.inspect('zfs-mounts')));
    assert.deepEqual(at.get('/db')?.filesystem, { role: 'mount', mountPoint: '/db', driver: 'zfs', pool: 'tank', dataset });
    assert.equal(at.get('/inner')?.captured, false);
    assert.match(at.get('/inner')?.reason ?? '', /not the root of a btrfs subvolume or ZFS dataset/);
    await container.remove({ force: true });
  });
});

function byMountPoint(entries: CaptureEntry[]): Map<string, CaptureEntry> {
  return new Map(entries.map((e) => [e.mountPoint, e]));
}
