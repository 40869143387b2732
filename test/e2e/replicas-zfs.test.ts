/**
 * Replicas of a ZFS dataset on the real stack: a container on a private dockerd with a zfs-fuse dataset
 * bind-mounted, the service pushing with `zfs send` (full, then incremental) to Ceph RGW, verify, and the
 * proof that matters: the streams, downloaded and decrypted from the bucket, are received by the ZFS
 * driver into another pool (a host that never had the container) and give the same files; and the service
 * restores the container's dataset from the remote after its local snapshots were deleted.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { ZfsDriver } from '../../storage-drivers/zfs/zfs-driver.js';
import type { RemoteConfig } from '../../src/config/config.js';
import { S3Remote } from '../../src/remote/s3-remote.js';
import { needs } from '../support/components.js';
import { startTestService, testServiceConfig, type TestService } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { execIn } from '../support/docker-exec.js';
import { createObjectStore, type TestObjectStore } from '../support/object-store.js';
import { remoteConfigFor } from '../support/remote-under-test.js';
import { treeDifferences, treeDigest } from '../support/tree-digest.js';
import { createZfsPool, type TestZfsPool } from '../support/zfs-pool.js';
import type { OperationJson, ReplicaJson } from '../../src/http/wire/replica-json.js';

const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];


describe('replicas of a ZFS dataset (dockerd, zfs-fuse, zfs send, Ceph RGW, HTTP)', needs('docker', 'zfs', 'rgw'), () => {
  const runner = new ExecFileRunner();
  let objects: TestObjectStore;
  let engine: TestDockerEngine;
  let tank: TestZfsPool;
  let elsewhere: TestZfsPool;
  let remoteConfig: RemoteConfig;
  let service: TestService;
  // Set by the first test, used by the restore test after it (one container and chain for both: RGW and
  // dockerd start once per file).
  let pushed: { files: string; container: Docker.Container; first: string; second: string; expected: Awaited<ReturnType<typeof treeDigest>> } | undefined;

  before(async () => {
    objects = await createObjectStore();
    engine = await createDockerEngine();
    tank = await createZfsPool();
    elsewhere = await createZfsPool();
    remoteConfig = remoteConfigFor(objects, { id: 'offsite' });
    service = await startTestService({ engine, config: { ...testServiceConfig(engine, tank), remotes: [remoteConfig] } });
  });
  after(async () => {
    await service.close();
    // The engine first: its container bind-mounts a dataset of the pool, which keeps the pool busy.
    await engine.destroy();
    await elsewhere.destroy();
    await tank.destroy();
    await objects.destroy();
  });

  async function snapshot(container: string): Promise<string> {
    const made = await service.api('POST', `/containers/${container}/snapshots`, {});
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return (made.body.data as { snapshot: { name: string } }).snapshot.name;
  }

  /** Waits for the operation a 202 answer names; fails the test with its error if it fails. */
  async function operationSucceeded(accepted: unknown): Promise<void> {
    const id = (accepted as { operation: { id: number } }).operation.id;
    for (;;) {
      const operation = (await service.api('GET', `/operations/${String(id)}`)).body.data as OperationJson;
      if (operation.state === 'failed') assert.fail(JSON.stringify(operation.error));
      if (operation.state === 'succeeded') return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function pushAndWait(container: string, name: string): Promise<ReplicaJson> {
    const pushed = await service.api('POST', `/containers/${container}/snapshots/${name}/replicas`, { remote: 'offsite' });
    assert.equal(pushed.status, 202, JSON.stringify(pushed.body));
    await operationSucceeded(pushed.body.data);
    const got = await service.api('GET', `/containers/${container}/snapshots/${name}`);
    const replica = (got.body.data as { snapshot: { replicas: ReplicaJson[] } }).snapshot.replicas.find((r) => r.remote === 'offsite');
    assert.ok(replica, JSON.stringify(got.body));
    return replica;
  }

  it('pushes full then incremental, verifies, and the downloaded streams receive into another pool byte-exact', async (t) => {
    const dataset = `${tank.name}/appdata`;
    await runner.run('zfs', ['create', dataset]);
    const files = join(tank.mountPoint, 'appdata');
    for (let dir = 0; dir < 20; dir += 1) {
      await mkdir(join(files, `d${String(dir)}`));
      for (let file = 0; file < 50; file += 1) await writeFile(join(files, `d${String(dir)}`, `f${String(file)}.txt`), `file ${String(dir)}/${String(file)}\n`.repeat(30));
    }
    const container: Docker.Container = await engine.docker.createContainer({ Image: engine.image, Cmd: LOOP, name: 'zfs-shipped', HostConfig: { Binds: [`${files}:/data`] } });
    await container.start();
    await execIn(container, ['sh', '-c', 'dd if=/dev/urandom of=/data/blob bs=1M count=16 2>/dev/null']);

    const first = await snapshot('zfs-shipped');
    const full = await pushAndWait('zfs-shipped', first);
    assert.deepEqual([full.state, full.parent], ['ready', null]);
    await execIn(container, ['sh', '-c', 'rm -r /data/d3 && mv /data/d4 /data/moved && echo changed > /data/d5/f5.txt && ln /data/blob /data/blob-link']);
    const second = await snapshot('zfs-shipped');
    const expected = await treeDigest(files, { metadata: true });
    const incremental = await pushAndWait('zfs-shipped', second);
    assert.deepEqual([incremental.state, incremental.parent], ['ready', first]);
    t.diagnostic(`stored bytes: full ${String(full.stored_bytes)}, incremental ${String(incremental.stored_bytes)}`);
    assert.ok((incremental.stored_bytes ?? Infinity) * 20 < (full.stored_bytes ?? 0), 'the incremental replica is much smaller');
    const verified = await service.api('POST', `/containers/zfs-shipped/snapshots/${second}/replicas/offsite/verify`);
    assert.equal((verified.body.data as { ok: boolean }).ok, true, JSON.stringify(verified.body));

    // Another host: only the bucket and the key. Receive the /data chain into a pool that never saw it.
    const remote = new S3Remote(remoteConfig);
    const { manifests } = await remote.listManifests({ limit: 10 });
    const root = `${elsewhere.name}/cowsnap`;
    await runner.run('zfs', ['create', root]);
    const driver = new ZfsDriver({ rootDataset: root, runner });
    await driver.probe();
    const target = `${root}/restored-data`;
    for (const name of [first, second]) {
      const manifest = manifests.find((m) => m.snapshotName === name);
      const stream = manifest?.filesystems.find((fs) => fs.mountPoint === '/data')?.stream;
      assert.ok(manifest !== undefined && stream !== undefined, `manifest of ${name} with a /data stream`);
      assert.equal(manifest.filesystems.find((fs) => fs.mountPoint === '/data')?.driver, 'zfs');
      await driver.receive(remote.downloadStream(stream.key, stream.sha256), { dataset: target, snapshot: name });
    }
    assert.deepEqual((await driver.listSnapshots(target)).map((s) => s.name), [first, second]);
    const readBack = `${root}/read-back`;
    await driver.cloneSnapshot(target, second, readBack);
    assert.deepEqual(treeDifferences(expected, await treeDigest(await driver.mountPath(readBack), { metadata: true })), []);
    pushed = { files, container, first, second, expected };
  });

  it('restores the dataset from the remote after its local snapshots were deleted: the chain comes down, byte-exact', async () => {
    assert.ok(pushed, 'the push test ran first');
    const { files, container, first, second, expected } = pushed;
    await execIn(container, ['sh', '-c', 'echo later > /data/later && rm -r /data/d6']);
    for (const name of [second, first]) {
      const deleted = await service.api('DELETE', `/containers/zfs-shipped/snapshots/${name}`);
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    }
    const restore = await service.api('POST', `/containers/zfs-shipped/snapshots/${second}/replicas/offsite/restore`, {});
    assert.equal(restore.status, 202, JSON.stringify(restore.body));
    await operationSucceeded(restore.body.data);
    assert.deepEqual(treeDifferences(expected, await treeDigest(files, { metadata: true })), []);
    assert.equal((await container.inspect()).State.Running, true);
    assert.equal(await execIn(container, ['cat', '/data/d5/f5.txt']), 'changed\n', 'the container sees the restored dataset');
    await assert.rejects(execIn(container, ['cat', '/data/later']));
    const listed = await service.api('GET', '/containers/zfs-shipped/snapshots');
    const names = (listed.body.data as { snapshots: { name: string }[] }).snapshots.map((x) => x.name).sort();
    assert.deepEqual(names, [first, second].sort(), 'the downloaded snapshots are local snapshots again');
  });

  it('copies the replica into a new container after the local snapshots were deleted again: its own dataset, byte-exact, independent', async () => {
    assert.ok(pushed, 'the push test ran first');
    const { files, second, expected } = pushed;
    const local = (await service.api('GET', '/containers/zfs-shipped/snapshots')).body.data as { snapshots: { name: string }[] };
    for (const { name } of local.snapshots) {
      const deleted = await service.api('DELETE', `/containers/zfs-shipped/snapshots/${name}`);
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    }
    const id = (await engine.docker.getContainer('zfs-shipped').inspect()).Id;
    const copy = await service.api('POST', `/remotes/offsite/snapshots/${id}/${second}/copy`, { name: 'zfs-copy' });
    assert.equal(copy.status, 202, JSON.stringify(copy.body));
    await operationSucceeded(copy.body.data);
    const copied = engine.docker.getContainer('zfs-copy');
    const inspected = await copied.inspect();
    assert.equal(inspected.State.Running, true);
    const source = inspected.Mounts.find((mount) => mount.Destination === '/data')?.Source;
    assert.ok(source !== undefined && source !== files, `the copy has its own /data dataset: ${JSON.stringify(inspected.Mounts)}`);
    assert.deepEqual(treeDifferences(expected, await treeDigest(source, { metadata: true })), []);
    await execIn(copied, ['sh', '-c', 'echo only-in-the-copy > /data/d5/f5.txt']);
    assert.equal(await execIn(pushed.container, ['cat', '/data/d5/f5.txt']), 'changed\n', 'the original does not see the copy\'s write');
  });
});
