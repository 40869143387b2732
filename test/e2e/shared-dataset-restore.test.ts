/**
 * Issue #13 defect 3 on real dockerd + btrfs: one pool subvolume bind-mounted into two running
 * containers. Restoring one container must not swap the subvolume under the other: 409 naming it, or,
 * with stop_sharing_containers, both are stopped for the swap and both see the restored data after.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { needs } from '../support/components.js';
import { startTestService, type TestService } from '../support/cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';
import { execIn } from '../support/docker-exec.js';

describe('defect-3: restoring a subvolume two running containers mount', needs('docker'), () => {
  let engine: TestDockerEngine;
  let service: TestService;
  let web: Docker.Container;
  let worker: Docker.Container;
  let shared: string;

  before(async () => {
    engine = await createDockerEngine();
    service = await startTestService({ engine });
    shared = join(engine.pool.mountPoint, 'volumes', 'shared');
    await mkdir(join(engine.pool.mountPoint, 'volumes'), { recursive: true });
    await new ExecFileRunner().run('btrfs', ['subvolume', 'create', shared]);
    await writeFile(join(shared, 'file.txt'), 'v1');
    const run = async (name: string, target: string): Promise<Docker.Container> => {
      const container = await engine.docker.createContainer({
        Image: engine.image,
        Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
        name,
        HostConfig: { Binds: [`${shared}:${target}`] },
      });
      await container.start();
      return container;
    };
    web = await run('web', '/data');
    worker = await run('worker', '/srv');
  });
  after(async () => {
    await service.close();
    await engine.destroy();
  });

  it('defect-3 refuses with 409 naming the other running container, then with stop_sharing_containers restores for both', async () => {
    const created = await service.api('POST', '/containers/web/snapshots', { alias: 'good' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await execIn(worker, ['sh', '-c', 'echo -n v2 > /srv/file.txt']);
    const workerStarted = (await worker.inspect()).State.StartedAt;

    const refused = await service.api('PATCH', '/containers/web/snapshots/good');
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    const error = refused.body.error as { code: string };
    assert.equal(error.code, 'dataset_in_use');
    assert.match(String(refused.body.message), /worker \(shares \/data\)/);
    assert.doesNotMatch(String(refused.body.message), /\/tmp\//, 'no host path');
    assert.equal(await readFile(join(shared, 'file.txt'), 'utf8'), 'v2', 'nothing restored');
    assert.equal((await worker.inspect()).State.StartedAt, workerStarted, 'the other container was not touched');
    assert.equal((await web.inspect()).State.Running, true);

    const restored = await service.api('PATCH', '/containers/web/snapshots/good', { stop_sharing_containers: true });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual((restored.body.data as { stopped_sharing_containers: string[] }).stopped_sharing_containers, ['worker']);
    for (const [container, path] of [[web, '/data/file.txt'], [worker, '/srv/file.txt']] as const) {
      assert.equal((await container.inspect()).State.Running, true);
      assert.equal(await execIn(container, ['cat', path]), 'v1', `${path}: the container sees the restored data`);
    }
  });
});
