import { after, before } from 'node:test';
import { startTestService, type TestService } from './cowsnap-service.js';
import { createDockerEngine, type TestDockerEngine } from './docker-engine.js';
import { createZfsPool, type TestZfsPool } from './zfs-pool.js';

/** A private dockerd on btrfs, a zfs-fuse pool and the real service on both, for one describe block. */
export interface ServiceEnvironment {
  readonly engine: TestDockerEngine;
  readonly zfs: TestZfsPool;
  readonly service: TestService;
}

/** Call inside describe(): sets the environment up before its tests and tears it down after them. */
export function useServiceEnvironment(): ServiceEnvironment {
  let current: ServiceEnvironment | undefined;
  before(async () => {
    const engine = await createDockerEngine();
    const zfs = await createZfsPool();
    const service = await startTestService({ engine, zfsPool: zfs });
    current = { engine, zfs, service };
  });
  after(async () => {
    await current?.service.close();
    // The engine first: its containers may bind-mount datasets of the zfs pool, which keeps it busy.
    await current?.engine.destroy();
    await current?.zfs.destroy();
  });
  const get = (): ServiceEnvironment => {
    if (current === undefined) throw new Error('the service environment is used before its before() hook ran');
    return current;
  };
  return {
    get engine() {
      return get().engine;
    },
    get zfs() {
      return get().zfs;
    },
    get service() {
      return get().service;
    },
  };
}
