/**
 * Two cowsnap hosts on this machine sharing one bucket (design.md §8: the bucket is the fleet's shared
 * catalog). Each host has its own loop btrfs pool, its own private dockerd (data root on that pool, own
 * socket) and its own service with its own SQLite; they share only the remote's bucket and key. No
 * network namespaces: each service listens on its own loopback port, each dockerd on its own socket.
 *
 * `losePool()` is a disk replaced under a host: service and dockerd stopped, the pool unmounted and its
 * image file deleted, a new empty pool at the same place, dockerd and the service started again (the
 * database lives outside the pool and survives, like a host whose data disk died).
 */
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import pino from 'pino';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import type { CowsnapConfig, RemoteConfig } from '../../src/config/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { importBusyboxImage } from '../../src/embedded/busybox-image.js';
import { closeLoopBtrfsPool, openLoopBtrfsPool } from '../../src/embedded/loop-btrfs-pool.js';
import { startPrivateDockerd, stopPrivateDockerd } from '../../src/embedded/private-dockerd.js';
import { startService, type RunningService } from '../../src/service.js';
import { detachLoopsUnderSync, registerTeardown, unmountUnderSync } from './cleanup.js';
import { privateEngineLayout, TEST_IMAGE } from './docker-engine.js';
import { killDockerTreeSync } from './kill-docker-tree.js';
import { createObjectStore, type TestObjectStore } from './object-store.js';
import { remoteConfigFor } from './remote-under-test.js';
import { scratchDir } from './scratch.js';

export const REMOTE_ID = 'offsite';
export const TEST_TOKEN = 'two-hosts-token-0123456789abcdef';

export interface ApiReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface TestHost {
  readonly name: string;
  docker: Docker;
  readonly poolMountPoint: string;
  readonly dataRoot: string;
  readonly image: string;
  readonly clock: ManualClock;
  /** The service's address (changes when losePool() starts it again). */
  readonly url: string;
  api(method: string, path: string, body?: unknown): Promise<ApiReply>;
  /** Stops everything on the host, replaces its pool with a new empty one, starts dockerd and the service again. */
  losePool(): Promise<void>;
}

export interface TwoHosts {
  readonly objects: TestObjectStore;
  readonly remote: RemoteConfig;
  readonly a: TestHost;
  readonly b: TestHost;
  destroy(): Promise<void>;
}

export async function createTwoHosts(): Promise<TwoHosts> {
  const objects = await createObjectStore();
  const remote = remoteConfigFor(objects, { id: REMOTE_ID });
  const hosts: { host: TestHost; destroy: () => Promise<void> }[] = [];
  try {
    hosts.push(await createHost('a', remote));
    hosts.push(await createHost('b', remote));
  } catch (error) {
    for (const each of hosts.reverse()) await each.destroy();
    await objects.destroy();
    throw error;
  }
  const [a, b] = hosts;
  if (a === undefined || b === undefined) throw new Error('hosts missing');
  return {
    objects,
    remote,
    a: a.host,
    b: b.host,
    destroy: async () => {
      await b.destroy();
      await a.destroy();
      await objects.destroy();
    },
  };
}

async function createHost(name: string, remote: RemoteConfig): Promise<{ host: TestHost; destroy: () => Promise<void> }> {
  const runner = new ExecFileRunner();
  const dir = scratchDir(`host-${name}`);
  const { pool, daemon } = privateEngineLayout(dir);
  const state = join(dir, 'state');
  const config: CowsnapConfig = {
    listen: { host: '127.0.0.1', port: 0 },
    stateDir: state,
    databasePath: join(state, 'cowsnap.db'),
    keyFile: join(state, 'secret.key'),
    tokenFile: join(state, 'token'),
    token: TEST_TOKEN,
    dockerSocket: daemon.socketPath,
    pools: [{ id: 'docker-pool', driver: 'btrfs', path: pool.mountPoint }],
    remotes: [remote],
    reaperSchedule: '* * * * *',
    stopTimeoutSeconds: 2,
    logLevel: 'silent',
  };
  const clock = new ManualClock(new Date());
  const logger = pino({ level: process.env.COWSNAP_TEST_LOG ?? 'silent' }).child({ host: name });
  let service: RunningService | undefined;

  const stopAll = async (): Promise<void> => {
    await service?.close();
    service = undefined;
    await stopPrivateDockerd(daemon, { removeContainers: true });
    await closeLoopBtrfsPool(runner, pool);
  };
  const registration = registerTeardown(
    `cowsnap host ${name} (${dir})`,
    async () => {
      await stopAll();
      await rm(dir, { recursive: true, force: true });
    },
    () => {
      killDockerTreeSync(dir);
      unmountUnderSync(dir);
      detachLoopsUnderSync(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  );
  const bringUp = async (): Promise<void> => {
    await openLoopBtrfsPool(runner, { ...pool, sizeBytes: 4096 * 1024 * 1024, quotas: true });
    const engine = await startPrivateDockerd(daemon);
    host.docker = engine.docker;
    await importBusyboxImage(engine.docker, runner, TEST_IMAGE);
    service = await startService(config, logger, { lockWaitMs: 0, clock });
  };
  const host: TestHost = {
    name,
    docker: new Docker({ socketPath: daemon.socketPath }),
    poolMountPoint: pool.mountPoint,
    dataRoot: daemon.dataRoot,
    image: TEST_IMAGE,
    clock,
    get url(): string {
      if (service === undefined) throw new Error(`host ${name} is down`);
      return service.url;
    },
    async api(method, path, body) {
      if (service === undefined) throw new Error(`host ${name} is down`);
      const init: RequestInit = { method, headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) } };
      if (body !== undefined) init.body = JSON.stringify(body);
      const response = await fetch(`${service.url}/api/v1${path}`, init);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async losePool() {
      await service?.close();
      service = undefined;
      // dockerd stops its containers itself (as at a shutdown); the disk then goes away under it.
      await stopPrivateDockerd(daemon);
      await closeLoopBtrfsPool(runner, pool);
      await rm(pool.imagePath, { force: true });
      await bringUp();
    },
  };
  try {
    await bringUp();
  } catch (error) {
    await registration.release();
    throw error;
  }
  return { host, destroy: () => registration.release() };
}
