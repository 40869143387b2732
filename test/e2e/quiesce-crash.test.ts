/**
 * Issue #13 defect 8 on real dockerd + btrfs: the service is killed (SIGKILL) while a container is paused
 * or stopped for a snapshot. When the service starts again, the container runs again (not paused) and
 * the half-made snapshot is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { needs } from '../support/components.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { serviceProcess, type ServiceProcess } from '../support/service-process.js';

describe('defect-8: a snapshot killed while its container is quiesced', needs('docker'), () => {
  let engine: TestDockerEngine;
  let container: Docker.Container;
  let service: ServiceProcess;

  before(async () => {
    engine = await createDockerEngine();
    service = await serviceProcess(engine);
    container = await engine.docker.createContainer({
      Image: engine.image,
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
      name: 'frozen',
    });
    await container.start();
  });
  after(async () => {
    await service.stop();
    await engine.destroy();
  });

  for (const quiesce of ['pause', 'stop'] as const) {
    it(`defect-8 quiesce "${quiesce}": the restarted service runs the container again and removes the half-made snapshot`, async () => {
      await service.start('snapshot:quiesced');
      await assert.rejects(service.api('POST', '/containers/frozen/snapshots', { quiesce }), TypeError, 'the request dies with the process');
      assert.equal(await service.exited(), 'SIGKILL');
      const left = (await container.inspect()).State;
      assert.equal(quiesce === 'pause' ? left.Paused : !left.Running, true, `the kill left the container ${quiesce === 'pause' ? 'paused' : 'stopped'}`);

      await service.start();
      const state = (await container.inspect()).State;
      assert.equal(state.Running, true, 'the container runs again');
      assert.equal(state.Paused, false, 'and is not paused');
      const list = await service.api('GET', '/containers/frozen/snapshots');
      assert.deepEqual((list.body.data as { snapshots: unknown[] }).snapshots, [], 'no half-made snapshot is listed');
      await service.stop();
    });
  }
});
