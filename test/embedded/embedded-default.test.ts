import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { findMount, mountsUnder } from '../../storage-drivers/common/mounts.js';
import { DEFAULTS } from '../../src/config/config-defaults.js';
import type { CowsnapConfig } from '../../src/config/config.js';
import { DEMO_CONTAINER, embeddedLayout, startEmbedded, stopEmbedded, type EmbeddedEnvironment } from '../../src/embedded/embedded-default.js';
import { stopPrivateDockerd } from '../../src/embedded/private-dockerd.js';
import { closeLoopBtrfsPool } from '../../src/embedded/loop-btrfs-pool.js';
import { registerTeardown, runQuietly } from '../support/cleanup.js';
import { needs } from '../support/components.js';
import { execIn } from '../support/docker-exec.js';
import { scratchDir } from '../support/scratch.js';
import { isAlive } from '../../src/embedded/process-alive.js';

const runner = new ExecFileRunner();


async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('embedded default environment (real loop btrfs pool + private dockerd)', needs('docker'), () => {
  const stateDir = scratchDir('embedded');
  const layout = embeddedLayout(stateDir);
  const base: CowsnapConfig = {
    listen: { host: '127.0.0.1', port: 0 },
    stateDir,
    databasePath: join(stateDir, 'cowsnap.db'),
    keyFile: join(stateDir, 'secret.key'),
    tokenFile: join(stateDir, 'token'),
    dockerSocket: DEFAULTS.dockerSocket,
    pools: [],
    remotes: [],
    reaperSchedule: DEFAULTS.reaperSchedule,
    stopTimeoutSeconds: 2,
    logLevel: 'silent',
  };
  const registration = registerTeardown(
    `embedded environment ${stateDir}`,
    async () => {
      await stopPrivateDockerd(layout, { removeContainers: true });
      await closeLoopBtrfsPool(runner, layout);
      await rm(stateDir, { recursive: true, force: true });
    },
    () => {
      runQuietly('sh', ['-c', 'p=$(cat "$1" 2>/dev/null) && kill -9 "$p"; sleep 1', 'sh', layout.pidFile]);
      runQuietly('sh', ['-c', 'p=$(cat "$1" 2>/dev/null) && kill -9 "$p"', 'sh', join(layout.execRoot, 'containerd/containerd.pid')]);
      runQuietly('umount', ['-R', layout.mountPoint]);
      runQuietly('sh', ['-c', 'for d in $(losetup -n -O NAME -j "$1"); do losetup -d "$d"; done', 'sh', layout.imagePath]);
      rmSync(stateDir, { recursive: true, force: true });
    },
  );
  after(() => registration.release());

  let first: EmbeddedEnvironment;

  it('creates the pool, dockerd and a running demo container with files, and a config pointing at them', async () => {
    first = await startEmbedded(base, { runner, poolSizeBytes: 2 * 1024 ** 3 });
    assert.equal(findMount(layout.mountPoint)?.fsType, 'btrfs');
    // Quotas are on, so snapshot sizes can be measured.
    await runner.run('btrfs', ['qgroup', 'show', layout.mountPoint]);
    assert.deepEqual(first.config.pools, [{ id: 'embedded', driver: 'btrfs', path: layout.mountPoint }]);
    assert.equal(first.config.dockerSocket, layout.socketPath);
    assert.equal(first.config.tokenFile, base.tokenFile, 'the rest of the configuration is kept');
    const info = (await first.docker.info()) as { Driver: string; DockerRootDir: string };
    assert.equal(info.Driver, 'btrfs');
    assert.equal(info.DockerRootDir, layout.dataRoot);

    const demo = first.docker.getContainer(DEMO_CONTAINER);
    assert.equal((await demo.inspect()).State.Running, true);
    const notes = await waitFor('the demo files', async () => {
      const text = await execIn(demo, ['cat', '/data/notes.txt']);
      return text.includes('restore') ? text : undefined;
    });
    assert.match(notes, /take a snapshot/);
    await execIn(demo, ['sh', '-c', 'echo kept-across-restarts > /data/marker.txt']);

    // A restore stops the container: the demo must stop on SIGTERM, not sit out the 10 s timeout.
    const started = Date.now();
    await demo.stop({ t: 10 });
    assert.ok(Date.now() - started < 5000, `the demo container took ${Date.now() - started} ms to stop`);
    await demo.start();
  });

  it('stops dockerd (keeping the container) and unmounts the pool', async () => {
    const pid = Number((await import('node:fs/promises').then((fs) => fs.readFile(layout.pidFile, 'utf8'))).trim());
    await stopEmbedded(stateDir, runner);
    assert.equal(isAlive(pid), false, 'dockerd is gone');
    assert.deepEqual(mountsUnder(layout.mountPoint), []);
    const { stdout } = await runner.run('losetup', ['--associated', layout.imagePath, '--noheadings']);
    assert.equal(stdout.trim(), '', 'no loop device holds the pool image');
    assert.ok(existsSync(layout.imagePath), 'the pool image stays for the next start');
    await stopEmbedded(stateDir, runner); // twice is harmless
  });

  it('a second start reuses the pool, the image and the same demo container with its data', async () => {
    const second = await startEmbedded(base, { runner, poolSizeBytes: 2 * 1024 ** 3 });
    assert.equal(second.demoContainerId, first.demoContainerId);
    const demo = second.docker.getContainer(DEMO_CONTAINER);
    assert.equal((await demo.inspect()).State.Running, true, 'the stopped demo container is started again');
    assert.equal(await execIn(demo, ['cat', '/data/marker.txt']), 'kept-across-restarts\n');
    const containers = await second.docker.listContainers({ all: true });
    assert.equal(containers.length, 1);
  });
});
