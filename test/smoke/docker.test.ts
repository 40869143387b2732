import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { needs, programVersion } from '../support/components.js';
import { createDockerEngine, type TestDockerEngine } from '../support/docker-engine.js';

describe(`smoke: real private dockerd (${programVersion('dockerd')})`, needs('docker'), () => {
  let engine: TestDockerEngine;
  before(async () => {
    engine = await createDockerEngine();
  });
  after(() => engine.destroy());

  it('runs on the btrfs storage driver with its data root on our pool', async () => {
    const info = (await engine.docker.info()) as { Driver: string; DockerRootDir: string };
    assert.equal(info.Driver, 'btrfs');
    assert.equal(info.DockerRootDir, engine.dataRoot);
  });

  it('runs a container whose written file is found in its btrfs subvolume via mount-id', async () => {
    const container = await engine.docker.createContainer({ Image: engine.image, Cmd: ['sleep', '600'], name: 'smoke' });
    await container.start();
    const exec = await container.exec({ Cmd: ['sh', '-c', 'echo written-inside > /tmp/proof.txt'] });
    await exec.start({});
    await waitForExec(exec);

    const mountId = (await readFile(join(engine.dataRoot, 'image/btrfs/layerdb/mounts', container.id, 'mount-id'), 'utf8')).trim();
    const layer = join(engine.dataRoot, 'btrfs/subvolumes', mountId);
    assert.equal(await readFile(join(layer, 'tmp/proof.txt'), 'utf8'), 'written-inside\n');
    await container.remove({ force: true });
  });
});

async function waitForExec(exec: { inspect(): Promise<{ Running: boolean; ExitCode: number | null }> }): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const state = await exec.inspect();
    if (!state.Running) {
      assert.equal(state.ExitCode, 0);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('exec did not finish');
}
