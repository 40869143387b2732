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

/** Points where the service process kills itself with SIGKILL in the middle of a restore. */
const CRASH_POINTS = [
  'restore:stopped',
  'btrfs-restore:after-prepare',
  'btrfs-restore:after-move-old',
  'btrfs-restore:after-move-new',
  'restore:swapped:1',
];

describe('a restore killed halfway (SIGKILL at each step) and a restart', needs('docker'), () => {
  let engine: TestDockerEngine;
  let container: Docker.Container;
  let service: ServiceProcess;

  before(async () => {
    engine = await createDockerEngine();
    service = await serviceProcess(engine);
    container = await engine.docker.createContainer({
      Image: engine.image,
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
      name: 'crashy',
    });
    await container.start();
  });
  after(async () => {
    await service.stop();
    await engine.destroy();
  });

  it('leaves a whole filesystem every time and the restart finishes the restore with consistent records', async (t) => {
    await service.start();
    await execIn(container, ['sh', '-c', 'mkdir -p /app && echo v1 > /app/state && echo v1 > /app/other']);
    const created = await service.api('POST', '/containers/crashy/snapshots', { alias: 'good' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const snapshotName = (created.body.data as { snapshot: { name: string } }).snapshot.name;
    const snapshotDigest = await treeDigest(await layerPath(engine.dataRoot, container.id));
    await service.stop();

    const driver = new BtrfsDriver({ poolPath: engine.pool.mountPoint, runner: new ExecFileRunner() });
    await driver.probe();
    for (const point of CRASH_POINTS) {
      await execIn(container, ['sh', '-c', `echo broken-${point} > /app/state && rm /app/other && echo junk > /app/junk`]);
      const brokenDigest = await treeDigest(await layerPath(engine.dataRoot, container.id));

      await service.start(point);
      await assert.rejects(service.api('PATCH', `/containers/crashy/snapshots/${snapshotName}`), TypeError, `${point}: the request dies with the process`);
      assert.equal(await service.exited(), 'SIGKILL', `${point}: the service was killed there`);

      // Right after the crash: the layer is whole, either the old or the restored content.
      const layer = await layerPath(engine.dataRoot, container.id);
      const afterCrash = await treeDigest(layer);
      const isOld = treeDifferences(brokenDigest, afterCrash).length === 0;
      const isRestored = treeDifferences(snapshotDigest, afterCrash).length === 0;
      assert.ok(isOld || isRestored, `${point}: the layer is neither old nor restored: ${treeDifferences(snapshotDigest, afterCrash).join(', ')}`);
      t.diagnostic(`${point}: after the kill the layer holds the ${isRestored ? 'restored' : 'old'} content`);

      // The restart finishes the restore and starts the container again.
      await service.start();
      assert.deepEqual(treeDifferences(snapshotDigest, await treeDigest(await layerPath(engine.dataRoot, container.id))), [], point);
      const state = await container.inspect();
      assert.equal(state.State.Running, true, `${point}: the container runs again`);
      assert.equal(await execIn(container, ['cat', '/app/state']), 'v1\n');

      const list = await service.api('GET', '/containers/crashy/snapshots');
      const snapshots = (list.body.data as { snapshots: { name: string; state: string; last_used_at: string | null }[] }).snapshots;
      assert.deepEqual(snapshots.map((s) => [s.name, s.state]), [[snapshotName, 'ready']], point);
      assert.notEqual(snapshots[0]?.last_used_at, null);
      // Storage and records agree: exactly one snapshot on disk for the layer, the recorded one.
      const onDisk = (await driver.listSnapshots(layer)).map((s) => s.name);
      assert.equal(onDisk.length, 1, `${point}: ${onDisk.join(', ')}`);
      assert.ok(onDisk[0]?.startsWith(`${snapshotName}.cs`));
      await service.stop();
    }
  });
});
