/**
 * Issue #13 defect 1 on real dockerd + btrfs: the host dies in the middle of a restore (SIGKILL of the
 * service at each step), and at boot Docker starts the container (restart policy) before cowsnap is up;
 * the container writes. Then cowsnap starts. A swap that had completed must be left alone, with what
 * the container wrote since boot; an unfinished one is finished only after stopping the container.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { BtrfsDriver } from '../../storage-drivers/btrfs/btrfs-driver.js';
import { needs } from '../support/components.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { execIn, layerPath } from '../support/docker-exec.js';
import { serviceProcess, type ServiceProcess } from '../support/service-process.js';
import { treeDifferences, treeDigest } from '../support/tree-digest.js';

const CRASH_POINTS = [
  'restore:stopped',
  'btrfs-restore:after-prepare',
  'btrfs-restore:after-move-old',
  'btrfs-restore:after-move-new',
  'restore:swapped:1',
];

describe('defect-1: a restore killed halfway, the container started at boot before cowsnap', needs('docker'), () => {
  let engine: TestDockerEngine;
  let container: Docker.Container;
  let service: ServiceProcess;

  before(async () => {
    engine = await createDockerEngine();
    service = await serviceProcess(engine);
    container = await engine.docker.createContainer({
      Image: engine.image,
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
      name: 'bootly',
      HostConfig: { RestartPolicy: { Name: 'always' } },
    });
    await container.start();
  });
  after(async () => {
    await service.stop();
    await engine.destroy();
  });

  it('defect-1 keeps a completed swap and what was written since boot; finishes an unfinished one only after stopping the container', async (t) => {
    await service.start();
    await execIn(container, ['sh', '-c', 'mkdir -p /app && echo v1 > /app/state']);
    const created = await service.api('POST', '/containers/bootly/snapshots', { alias: 'good' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const snapshotName = (created.body.data as { snapshot: { name: string } }).snapshot.name;
    const snapshotDigest = await treeDigest(await layerPath(engine.dataRoot, container.id));
    await service.stop();
    const driver = new BtrfsDriver({ poolPath: engine.pool.mountPoint, runner: new ExecFileRunner() });
    await driver.probe();

    for (const point of CRASH_POINTS) {
      await execIn(container, ['sh', '-c', `echo broken-${point} > /app/state && rm -f /app/boot`]);
      await service.start(point);
      await assert.rejects(service.api('PATCH', `/containers/bootly/snapshots/${snapshotName}`), TypeError, `${point}: the request dies with the process`);
      assert.equal(await service.exited(), 'SIGKILL', `${point}: the service was killed there`);
      const swapCompleted = treeDifferences(snapshotDigest, await treeDigest(await layerPath(engine.dataRoot, container.id))).length === 0;
      t.diagnostic(`${point}: the swap had ${swapCompleted ? '' : 'not '}completed when the service died`);

      // Boot: Docker's restart policy starts the container before cowsnap; it writes.
      assert.equal((await container.inspect()).State.Running, false, `${point}: the restore had stopped the container`);
      await container.start();
      const bootStart = (await container.inspect()).State.StartedAt;
      await execIn(container, ['sh', '-c', 'echo written-after-boot > /app/boot']);

      await service.start();
      const state = await container.inspect();
      assert.equal(state.State.Running, true, `${point}: the container runs`);
      // What the container's processes see (exec enters their mount namespace), not only the host path.
      assert.equal(await execIn(container, ['cat', '/app/state']), 'v1\n', `${point}: the container sees the restored state`);
      if (swapCompleted) {
        assert.equal(state.State.StartedAt, bootStart, `${point}: the container was not stopped again`);
        assert.equal(await execIn(container, ['cat', '/app/boot']), 'written-after-boot\n', `${point}: what it wrote since boot is kept`);
      } else {
        assert.notEqual(state.State.StartedAt, bootStart, `${point}: the container was stopped for the swap and started again`);
        assert.equal(await execIn(container, ['sh', '-c', 'cat /app/boot 2>/dev/null || echo absent']), 'absent\n', `${point}: the restore was finished`);
      }

      const list = await service.api('GET', '/containers/bootly/snapshots');
      const snapshots = (list.body.data as { snapshots: { name: string; state: string; last_used_at: string | null }[] }).snapshots;
      assert.deepEqual(snapshots.map((s) => [s.name, s.state]), [[snapshotName, 'ready']], point);
      assert.notEqual(snapshots[0]?.last_used_at, null, `${point}: the restore counts as done`);
      const onDisk = (await driver.listSnapshots(await layerPath(engine.dataRoot, container.id))).map((s) => s.name);
      assert.equal(onDisk.length, 1, `${point}: only the recorded snapshot is left on disk: ${onDisk.join(', ')}`);
      await service.stop();
    }
  });
});
