/**
 * A pool that is down tells clients why in a sentence an operator can act on ("libbtrfsutil1 is not
 * installed"), never the loader's text, a host path or a command's stderr; the log gets the error itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openBtrfsUtilFile } from '../../storage-drivers/btrfs/btrfs-util-library.js';
import { BtrfsDriver } from '../../storage-drivers/btrfs/btrfs-driver.js';
import { ExecFileRunner, type CommandRunner } from '../../storage-drivers/common/command-runner.js';
import { CommandFailedError, MissingSoftwareError } from '../../storage-drivers/common/errors.js';
import type { StorageDriver } from '../../storage-drivers/driver.js';
import { ZfsDriver } from '../../storage-drivers/zfs/zfs-driver.js';
import { checkHealth } from '../../src/core/health-check.js';
import { PoolRegistry } from '../../src/core/pool-registry.js';

/** Host text a client must never see: paths, the loader's words, stderr. */
const HOST_TEXT = /\/|\.so\b|cannot open|shared object|ENOENT|wrong fs type/;

function failingProbe(error: Error): StorageDriver {
  return { probe: () => Promise.reject(error), recover: () => Promise.resolve([]) } as unknown as StorageDriver;
}

/** The real runner, with the tool's name pointing where nothing is installed: a real spawn failure. */
function runnerWithout(tool: string): CommandRunner {
  const real = new ExecFileRunner();
  return {
    run: (command, args, options) => real.run(command === tool ? `/nonexistent/bin/${tool}` : command, args, options),
  };
}

async function registryWith(driver: StorageDriver): Promise<{ registry: PoolRegistry; logged: unknown[] }> {
  const logged: unknown[] = [];
  const registry = await PoolRegistry.probe([{ id: 'fast', driver, path: '/srv/fast' }], (_pool, error) => {
    if (error !== undefined) logged.push(error);
  });
  return { registry, logged };
}

function clientTexts(registry: PoolRegistry): string[] {
  const texts = [...registry.unavailable.map((pool) => pool.reason), ...registry.statuses().map((status) => status.reason ?? '')];
  try {
    registry.driverFor({ pool: 'fast' });
  } catch (error) {
    texts.push((error as Error).message);
  }
  return texts;
}

describe('why a pool is unavailable, as clients see it', () => {
  it('a host without libbtrfsutil: "libbtrfsutil1 is not installed" in the pool reason, 503 and health; the loader text only in the log', async () => {
    const loaderFailure = ((): unknown => {
      try {
        openBtrfsUtilFile('libbtrfsutil-absent-for-test.so.1');
      } catch (error) {
        return error;
      }
      return assert.fail('an absent library loaded');
    })();
    assert.ok(loaderFailure instanceof MissingSoftwareError);
    const { registry, logged } = await registryWith(failingProbe(loaderFailure));

    assert.deepEqual(registry.unavailable.map((pool) => pool.reason), ['libbtrfsutil1 is not installed']);
    for (const text of clientTexts(registry)) {
      assert.match(text, /libbtrfsutil1 is not installed/);
      assert.doesNotMatch(text, HOST_TEXT);
    }
    const health = await checkHealth({
      docker: { ping: () => Promise.resolve(), storageInfo: () => Promise.resolve({ driver: 'btrfs', dataRoot: '/var/lib/docker' }) },
      pools: registry.pools,
      unavailablePools: registry.unavailable,
      database: () => undefined,
    });
    assert.equal(health.ok, false);
    assert.match(JSON.stringify(health.pools), /libbtrfsutil1 is not installed/);
    assert.doesNotMatch(JSON.stringify(health.pools), HOST_TEXT);
    // The log has what koffi said (the library it tried), for the operator.
    assert.equal(logged.length, 1);
    assert.match((logged[0] as Error).message, /libbtrfsutil-absent-for-test\.so\.1/);
  });

  it('a host without the btrfs or zfs command: the missing software by name, no spawn text', async () => {
    const btrfs = await registryWith(new BtrfsDriver({ poolPath: '/srv/fast', runner: runnerWithout('btrfs') }));
    assert.deepEqual(btrfs.registry.unavailable.map((pool) => pool.reason), ['btrfs-progs is not installed']);
    const zfs = await registryWith(new ZfsDriver({ rootDataset: 'tank/cowsnap', runner: runnerWithout('zfs') }));
    assert.deepEqual(zfs.registry.unavailable.map((pool) => pool.reason), ['ZFS (zfs-fuse or OpenZFS) is not installed']);
    for (const text of [...clientTexts(btrfs.registry), ...clientTexts(zfs.registry)]) assert.doesNotMatch(text, HOST_TEXT);
    assert.match((zfs.logged[0] as Error).message, /nonexistent/);
  });

  it('a failing mount or command: a plain sentence with the code, stderr and paths only in the log; a changed reason on refresh is logged again', async () => {
    let failure: Error = new CommandFailedError('mount', ['/dev/loop7', '/srv/fast'], 32, 'mount: /srv/fast: wrong fs type, bad option');
    const { registry, logged } = await registryWith({ probe: () => Promise.reject(failure), recover: () => Promise.resolve([]) } as unknown as StorageDriver);
    for (const text of clientTexts(registry)) {
      assert.match(text, /storage_failed/);
      assert.doesNotMatch(text, HOST_TEXT);
    }
    await registry.refresh();
    assert.equal(logged.length, 1, 'the same reason again is not logged every minute');
    failure = new Error('cannot open /dev/sdz: no such device');
    await registry.refresh();
    assert.equal(logged.length, 2);
    for (const text of clientTexts(registry)) assert.doesNotMatch(text, HOST_TEXT);
  });
});
