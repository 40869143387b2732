import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runWithInput } from '../../storage-drivers/common/child-stream.js';
import { ExecFileRunner } from '../../storage-drivers/common/command-runner.js';
import type { ReceiveTarget } from '../../storage-drivers/driver.js';
import { ZfsDriver } from '../../storage-drivers/zfs/zfs-driver.js';
import { needs } from '../support/components.js';
import { createZfsPool, type TestZfsPool } from '../support/zfs-pool.js';
import { countBytes, cutAfter } from './replication-data.js';

const runner = new ExecFileRunner();

interface Side {
  readonly pool: TestZfsPool;
  readonly root: string;
  readonly driver: ZfsDriver;
}

async function side(): Promise<Side> {
  const pool = await createZfsPool();
  const root = `${pool.name}/cowsnap`;
  await runner.run('zfs', ['create', root]);
  const driver = new ZfsDriver({ rootDataset: root, runner });
  await driver.probe();
  return { pool, root, driver };
}

async function everything(of: Side): Promise<string[]> {
  const out = (await runner.run('zfs', ['list', '-H', '-o', 'name,origin', '-t', 'all', '-r', of.pool.name])).stdout;
  return out.split('\n').filter((line) => line !== '');
}

async function transfer(from: Side, dataset: string, snapshot: string, into: Side, to: ReceiveTarget, parent?: string): Promise<void> {
  const sent = await from.driver.send(dataset, snapshot, parent === undefined ? {} : { parent });
  await Promise.all([into.driver.receive(countBytes(sent).stream, to), sent.done]);
}

async function write(driver: ZfsDriver, dataset: string, file: string, text: string): Promise<void> {
  await writeFile(join(await driver.mountPath(dataset), file), text);
}

async function read(driver: ZfsDriver, dataset: string, file: string): Promise<string> {
  return readFile(join(await driver.mountPath(dataset), file), 'utf8');
}

/** What the shared conformance suite cannot reach: where ZFS keeps what it receives, and crashes. */
describe('zfs replication specifics (zfs-fuse)', needs('zfs'), () => {
  let a: Side;
  let b: Side;
  before(async () => {
    a = await side();
    b = await side();
  });
  after(async () => {
    await b.pool.destroy();
    await a.pool.destroy();
  });

  it('receives an incremental stream whose parent sits in a live dataset under newer snapshots, and undoes a cut one', async () => {
    // Host A has ds with p; B got p and c; A deleted c and went on (q). Now c comes back to A.
    const ds = `${a.root}/home`;
    await a.driver.createDataset(ds);
    await write(a.driver, ds, 'f', 'p');
    await a.driver.createSnapshot(ds, 'p');
    await write(a.driver, ds, 'f', 'c');
    await a.driver.createSnapshot(ds, 'c');
    const away = `${b.root}/away`;
    await transfer(a, ds, 'p', b, { dataset: away, snapshot: 'p' });
    await transfer(a, ds, 'c', b, { dataset: away, snapshot: 'c' }, 'p');
    await a.driver.destroySnapshot(ds, 'c');
    await write(a.driver, ds, 'f', 'q');
    await a.driver.createSnapshot(ds, 'q');
    await write(a.driver, ds, 'f', 'live');

    const before = await everything(a);
    const sent = await b.driver.send(away, 'c', { parent: 'p' });
    const whole = countBytes(await b.driver.send(away, 'c', { parent: 'p' }));
    whole.stream.resume();
    await new Promise((resolve) => whole.stream.once('end', resolve));
    await assert.rejects(a.driver.receive(cutAfter(sent, Math.floor(whole.bytes() / 2), 'eof'), { dataset: ds, snapshot: 'c' }), {
      code: 'invalid_stream',
    });
    // A stream this small was wholly written before the cut: the sender may have exited fine.
    await sent.done.catch(() => undefined);
    assert.deepEqual(await everything(a), before, 'the branch made for the receive is gone and every snapshot is back where it was');

    await transfer(b, away, 'c', a, { dataset: ds, snapshot: 'c' }, 'p');
    assert.deepEqual((await a.driver.listSnapshots(ds)).map((s) => s.name).sort(), ['c', 'p', 'q']);
    assert.equal(await read(a.driver, ds, 'f'), 'live', 'the live dataset is untouched');
    assert.equal((await a.driver.snapshotIdentity(ds, 'c')).id, (await b.driver.snapshotIdentity(away, 'c')).id);
    await a.driver.restoreSnapshot(ds, 'c');
    assert.equal(await read(a.driver, ds, 'f'), 'c');
    await a.driver.restoreSnapshot(ds, 'q');
    assert.equal(await read(a.driver, ds, 'f'), 'q');
    for (const name of ['p', 'c', 'q']) await a.driver.destroySnapshot(ds, name);
    assert.deepEqual(await a.driver.recover(), []);
    const left = await everything(a);
    assert.ok(!left.some((line) => line.includes('cowsnap-internal/')), `everything internal was freed: ${left.join(', ')}`);
  });

  it('sends incrementally only along one line of history, and says so otherwise', async () => {
    const ds = `${a.root}/lines`;
    await a.driver.createDataset(ds);
    await write(a.driver, ds, 'f', '1');
    await a.driver.createSnapshot(ds, 'one');
    await write(a.driver, ds, 'f', '2');
    await a.driver.createSnapshot(ds, 'two');
    await a.driver.restoreSnapshot(ds, 'one');
    await write(a.driver, ds, 'f', '3');
    await a.driver.createSnapshot(ds, 'three');
    // three descends from one (the restore's origin), not from two.
    await assert.rejects(a.driver.send(ds, 'three', { parent: 'two' }), { code: 'unsupported', message: /send it in full/ });
    await assert.rejects(a.driver.send(ds, 'one', { parent: 'two' }), { code: 'unsupported' });
    const copy = `${b.root}/lines-copy`;
    await transfer(a, ds, 'one', b, { dataset: copy, snapshot: 'one' });
    await transfer(a, ds, 'three', b, { dataset: copy, snapshot: 'three' }, 'one');
    const clone = `${b.root}/lines-read`;
    await b.driver.cloneSnapshot(copy, 'three', clone);
    assert.equal(await read(b.driver, clone, 'f'), '3');
    await b.driver.destroyDataset(clone);
  });

  it('settles receives a crash interrupted: a half one goes, a finished one becomes a lineage', async () => {
    const internal = `${b.root}/cowsnap-internal`;
    // A full receive cut by a crash leaves its dataset under the receive name.
    await runner.run('zfs', ['create', `${internal}/receive-crash1-aaaaaa`]);
    // A full receive that finished and was tagged, but not yet renamed into a lineage.
    const ds = `${b.root}/crashed`;
    const done = `${internal}/receive-crash2-bbbbbb`;
    const source = `${a.root}/crash-source`;
    await a.driver.createDataset(source);
    await write(a.driver, source, 'f', '1');
    await a.driver.createSnapshot(source, 'one');
    const sent = await a.driver.send(source, 'one');
    await runWithInput('zfs', ['receive', `${done}@kept`], sent.stream);
    await sent.done;
    await runner.run('zfs', ['set', `cowsnap:dataset=${ds}`, done]);

    const actions = await b.driver.recover();
    assert.deepEqual(actions.map((action) => action.action).sort(), ['cleaned', 'finished']);
    const names = await everything(b);
    assert.ok(!names.some((line) => line.includes('/receive-')), `no receive dataset left: ${names.join(', ')}`);
    assert.deepEqual((await b.driver.listSnapshots(ds)).map((s) => s.name), ['kept']);
    const clone = `${b.root}/crashed-read`;
    await b.driver.cloneSnapshot(ds, 'kept', clone);
    assert.equal(await read(b.driver, clone, 'f'), '1');
    await b.driver.destroyDataset(clone);
    assert.deepEqual(await b.driver.recover(), []);
  });

  it('refuses data that is no ZFS send stream and leaves nothing', async () => {
    const before = await everything(b);
    await assert.rejects(
      b.driver.receive(Readable.from([Buffer.alloc(4096, 7)]), { dataset: `${b.root}/junk`, snapshot: 's' }),
      { code: 'invalid_stream' },
    );
    assert.deepEqual(await everything(b), before);
  });
});
