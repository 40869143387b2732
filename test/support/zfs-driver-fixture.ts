/**
 * A ZfsDriver on a fresh zfs-fuse pool (root dataset `<pool>/cowsnap`), made before the suite's tests and
 * destroyed after them: the setup the zfs driver tests share. Read its fields inside tests (they are set
 * by the `before` hook).
 */
import { after, before } from 'node:test';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import { ZfsDriver } from '../../storage-drivers/zfs/zfs-driver.js';
import { createZfsPool, type TestZfsPool } from './zfs-pool.js';

export interface ZfsDriverFixture {
  pool: TestZfsPool;
  driver: ZfsDriver;
  root: string;
}

export const zfsRunner = new ExecFileRunner();

export async function zfsGet(dataset: string, property: string): Promise<string> {
  return (await zfsRunner.run('zfs', ['get', '-H', '-o', 'value', property, dataset])).stdout.trim();
}

/** Call inside a `describe`: registers the before/after hooks and returns the (filled-in) fixture. */
export function zfsDriverFixture(): ZfsDriverFixture {
  const fixture = {} as ZfsDriverFixture;
  before(async () => {
    fixture.pool = await createZfsPool();
    fixture.root = `${fixture.pool.name}/cowsnap`;
    await zfsRunner.run('zfs', ['create', fixture.root]);
    fixture.driver = new ZfsDriver({ rootDataset: fixture.root, runner: zfsRunner });
    await fixture.driver.probe();
  });
  after(() => fixture.pool.destroy());
  return fixture;
}
