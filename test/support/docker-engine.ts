import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { importBusyboxImage } from '../../src/embedded/busybox-image.js';
import { closeLoopBtrfsPool, openLoopBtrfsPool, type LoopBtrfsPool } from '../../src/embedded/loop-btrfs-pool.js';
import { startPrivateDockerd, stopPrivateDockerd } from '../../src/embedded/private-dockerd.js';
import { detachLoopsUnderSync, registerTeardown, unmountUnderSync } from './cleanup.js';
import { killDockerTreeSync } from './kill-docker-tree.js';
import { scratchDir } from './scratch.js';

export const TEST_IMAGE = 'cowsnap-test/busybox:latest';

export interface TestDockerEngine {
  readonly docker: Docker;
  readonly socketPath: string;
  /** The btrfs pool that holds the daemon's data root. */
  readonly pool: LoopBtrfsPool;
  readonly dataRoot: string;
  /** An image with busybox, imported without a registry. */
  readonly image: string;
  destroy(): Promise<void>;
}

/**
 * A private dockerd (btrfs storage driver, data root on its own loop btrfs pool, own socket) with the
 * busybox test image loaded. Never touches a system Docker.
 */
/** Where a test's loop btrfs pool and its private dockerd live inside one scratch folder. */
export function privateEngineLayout(dir: string) {
  const pool = { imagePath: join(dir, 'pool.img'), mountPoint: join(dir, 'pool') };
  const daemon = {
    dataRoot: join(pool.mountPoint, 'docker'),
    execRoot: join(dir, 'exec'),
    socketPath: join(dir, 'docker.sock'),
    pidFile: join(dir, 'docker.pid'),
    logFile: join(dir, 'dockerd.log'),
  };
  return { pool, daemon };
}

export async function createDockerEngine(options: { poolSizeMiB?: number } = {}): Promise<TestDockerEngine> {
  const runner = new ExecFileRunner();
  const dir = scratchDir('docker');
  const { pool, daemon } = privateEngineLayout(dir);
  const registration = registerTeardown(
    `dockerd ${daemon.socketPath}`,
    async () => {
      await stopPrivateDockerd(daemon, { removeContainers: true });
      await closeLoopBtrfsPool(runner, pool);
      await rm(dir, { recursive: true, force: true });
    },
    () => {
      killDockerTreeSync(dir);
      unmountUnderSync(dir);
      detachLoopsUnderSync(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  );
  await openLoopBtrfsPool(runner, { ...pool, sizeBytes: (options.poolSizeMiB ?? 4096) * 1024 * 1024, quotas: true });
  const engine = await startPrivateDockerd(daemon);
  await importBusyboxImage(engine.docker, runner, TEST_IMAGE);
  return {
    docker: engine.docker,
    socketPath: daemon.socketPath,
    pool,
    dataRoot: daemon.dataRoot,
    image: TEST_IMAGE,
    destroy: () => registration.release(),
  };
}

export async function withDockerEngine<T>(body: (engine: TestDockerEngine) => Promise<T>): Promise<T> {
  const engine = await createDockerEngine();
  try {
    return await body(engine);
  } finally {
    await engine.destroy();
  }
}
