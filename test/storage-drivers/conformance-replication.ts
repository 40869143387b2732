import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lstat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import type { ReceiveTarget } from '../../storage-drivers/driver.js';
import { treeDifferences, treeDigest } from '../support/tree-digest.js';
import type { ConformanceFixture, ConformanceSetup } from './fixture.js';
import { BIG_FILE_BYTES, countBytes, cutAfter, writeFirstState, writeSecondState, xattrsSupported } from './replication-data.js';

const MiB = 1024 * 1024;

/**
 * send/receive between two pools of the same driver: what arrives equals what was sent (content,
 * modes, owners, mtimes, xattrs, hard links, holes), incremental streams carry only changes, a
 * received snapshot is a snapshot like any other, and a cut stream leaves the target pool untouched.
 */
export function runReplicationConformance(label: string, setup: ConformanceSetup): void {
  describe(`driver conformance (send/receive): ${label}`, () => {
    let source: ConformanceFixture;
    let target: ConformanceFixture;
    before(async () => {
      source = await setup({});
      target = await setup({});
    });
    after(async () => {
      await target.teardown();
      await source.teardown();
    });

    async function transfer(dataset: string, snapshot: string, to: ReceiveTarget, parent?: string, from = source, into = target): Promise<number> {
      const sent = await from.driver.send(dataset, snapshot, parent === undefined ? {} : { parent });
      const counted = countBytes(sent);
      await Promise.all([into.driver.receive(counted.stream, to), sent.done]);
      return counted.bytes();
    }

    /** The digest of a snapshot read through a fresh clone, and the clone's allocated bytes of `file`. */
    async function readSnapshot(fx: ConformanceFixture, dataset: string, name: string, file?: string): Promise<{ digest: Map<string, string>; allocated: number }> {
      const clone = fx.datasetName(`read-${randomBytes(4).toString('hex')}`);
      await fx.driver.cloneSnapshot(dataset, name, clone);
      try {
        const root = await fx.driver.mountPath(clone);
        const allocated = file === undefined ? 0 : (await lstat(join(root, file))).blocks * 512;
        return { digest: await treeDigest(root, { metadata: true }), allocated };
      } finally {
        await fx.driver.destroyDataset(clone);
      }
    }

    /** A driver that says it cannot send must refuse, typed; the checks below are for drivers that can. */
    function skipUnlessSend(t: { skip: (message: string) => void }): boolean {
      if (source.driver.info().capabilities.send) return false;
      t.skip('driver reports no send capability');
      return true;
    }

    function assertSameTree(expected: Map<string, string>, actual: Map<string, string>, what: string): void {
      assert.deepEqual(treeDifferences(expected, actual), [], `${what}: paths that differ`);
    }

    it('says it can send, incrementally, and that receives are not resumable', () => {
      const { capabilities } = source.driver.info();
      assert.equal(capabilities.resumableReceive, false);
      if (!capabilities.send) return;
      assert.equal(capabilities.incrementalSend, true);
    });

    it('sends full then incremental streams byte-exact: deletions, renames, hard links, xattrs, sparse and >1 GiB files', async (t) => {
      if (skipUnlessSend(t)) return;
      const ds = await source.newDataset('replicated');
      const root = await source.driver.mountPath(ds);
      const xattrs = await xattrsSupported(root);
      if (!xattrs) t.diagnostic('this filesystem takes no extended attributes (zfs-fuse): they are not part of this round trip');
      await writeFirstState(root, { xattrs });
      await source.driver.createSnapshot(ds, 's1');
      const first = await treeDigest(root, { metadata: true });
      await writeSecondState(root, { xattrs });
      await source.driver.createSnapshot(ds, 's2');
      const second = await treeDigest(root, { metadata: true });
      assert.ok(treeDifferences(first, second).length >= 8, 'the second state differs in many ways');

      // A host that never had the dataset: the target has no live dataset of that name.
      const remote = target.datasetName('replica-of-replicated');
      let started = performance.now();
      const fullBytes = await transfer(ds, 's1', { dataset: remote, snapshot: 's1' });
      const fullMs = performance.now() - started;
      started = performance.now();
      const incrementalBytes = await transfer(ds, 's2', { dataset: remote, snapshot: 's2' }, 's1');
      const incrementalMs = performance.now() - started;
      t.diagnostic(`full stream ${(fullBytes / MiB).toFixed(1)} MiB in ${fullMs.toFixed(0)} ms, incremental ${(incrementalBytes / MiB).toFixed(1)} MiB in ${incrementalMs.toFixed(0)} ms`);
      assert.equal(await target.driver.datasetExists(remote), false, 'receiving creates no live dataset');
      assert.deepEqual((await target.driver.listSnapshots(remote)).map((s) => s.name), ['s1', 's2']);
      assert.ok(fullBytes < 64 * MiB, `the full stream skips the holes of the ${BIG_FILE_BYTES / MiB} MiB file: ${fullBytes} bytes`);
      assert.ok(incrementalBytes < 4 * MiB, `the incremental stream carries only the changes: ${incrementalBytes} bytes`);

      const s1 = await readSnapshot(target, remote, 's1', 'big.bin');
      assertSameTree(first, s1.digest, 's1 on the target');
      assert.ok(s1.allocated < 64 * MiB, `big.bin stays sparse on the target: ${s1.allocated} bytes allocated`);
      const s2 = await readSnapshot(target, remote, 's2', 'sparse.bin');
      assertSameTree(second, s2.digest, 's2 on the target');
      assert.ok(s2.allocated < 16 * MiB, `sparse.bin stays sparse on the target: ${s2.allocated} bytes allocated`);
    });

    it('treats a received snapshot like a local one: identity, restore, clone, send onwards, delete', async (t) => {
      if (skipUnlessSend(t)) return;
      const ds = await source.newDataset('ops');
      const root = await source.driver.mountPath(ds);
      await writeFile(join(root, 'state.txt'), 'one');
      await source.driver.createSnapshot(ds, 'a');
      await writeFile(join(root, 'state.txt'), 'two');
      await source.driver.createSnapshot(ds, 'b');

      // The target host has a live dataset of that name (it had the container) with other content.
      const live = await target.newDataset('ops-live');
      await writeFile(join(await target.driver.mountPath(live), 'state.txt'), 'local work');
      await transfer(ds, 'a', { dataset: live, snapshot: 'a' });
      await transfer(ds, 'b', { dataset: live, snapshot: 'b' }, 'a');

      const sentA = await source.driver.snapshotIdentity(ds, 'a');
      const gotA = await target.driver.snapshotIdentity(live, 'a');
      assert.equal(gotA.receivedFrom, sentA.receivedFrom ?? sentA.id, 'the received copy names the snapshot it came from');
      assert.notEqual((await target.driver.snapshotIdentity(live, 'b')).receivedFrom, gotA.receivedFrom);

      await target.driver.restoreSnapshot(live, 'a');
      assert.equal(await readFile(join(await target.driver.mountPath(live), 'state.txt'), 'utf8'), 'one');
      const clone = target.datasetName('ops-clone');
      await target.driver.cloneSnapshot(live, 'b', clone);
      assert.equal(await readFile(join(await target.driver.mountPath(clone), 'state.txt'), 'utf8'), 'two');

      // Onwards to a third place (back to the source pool under another name), incremental from a received parent.
      const back = source.datasetName('ops-back');
      await transfer(live, 'a', { dataset: back, snapshot: 'a' }, undefined, target, source);
      await transfer(live, 'b', { dataset: back, snapshot: 'b' }, 'a', target, source);
      const again = (await readSnapshot(source, back, 'b')).digest;
      assertSameTree((await readSnapshot(source, ds, 'b')).digest, again, 'b after two hops');

      await target.driver.destroySnapshot(live, 'a');
      assert.deepEqual((await target.driver.listSnapshots(live)).map((s) => s.name), ['b']);
      assert.equal(await readFile(join(await target.driver.mountPath(clone), 'state.txt'), 'utf8'), 'two');
      await target.driver.destroyDataset(clone);
      await assert.rejects(target.driver.receive(await sendAndDrainLater(ds, 'a'), { dataset: live, snapshot: 'b' }), { code: 'already_exists' });
    });

    /** A send stream whose sender may be stopped by the receiver; its failure is expected and swallowed. */
    async function sendAndDrainLater(dataset: string, snapshot: string, parent?: string): Promise<Readable> {
      const sent = await source.driver.send(dataset, snapshot, parent === undefined ? {} : { parent });
      sent.done.catch(() => undefined);
      return sent.stream;
    }

    it('refuses an incremental stream whose parent the target does not have, and leaves nothing', async (t) => {
      if (skipUnlessSend(t)) return;
      const ds = await source.newDataset('orphan');
      await writeFile(join(await source.driver.mountPath(ds), 'f'), 'x');
      await source.driver.createSnapshot(ds, 'p');
      await writeFile(join(await source.driver.mountPath(ds), 'f'), 'y');
      await source.driver.createSnapshot(ds, 'c');
      const before = await target.inventory();
      const remote = target.datasetName('orphan-replica');
      await assert.rejects(target.driver.receive(await sendAndDrainLater(ds, 'c', 'p'), { dataset: remote, snapshot: 'c' }), { code: 'not_found' });
      assert.deepEqual(await target.inventory(), before);
      assert.deepEqual(await target.driver.listSnapshots(remote), []);
    });

    for (const how of ['error', 'eof'] as const) {
      it(`leaves nothing on the target pool when the stream is cut halfway (${how === 'error' ? 'the stream fails' : 'the stream just ends'})`, async (t) => {
        if (skipUnlessSend(t)) return;
        const ds = await source.newDataset(`cut-${how}`);
        const root = await source.driver.mountPath(ds);
        await writeFile(join(root, 'payload.bin'), randomBytes(8 * MiB));
        await source.driver.createSnapshot(ds, 's');
        const whole = await source.driver.send(ds, 's');
        const size = countBytes(whole);
        size.stream.resume();
        await finished(size.stream);
        await whole.done;

        const before = await target.inventory();
        const remote = target.datasetName(`cut-${how}-replica`);
        const sent = await source.driver.send(ds, 's');
        const receiving = target.driver.receive(cutAfter(sent, Math.floor(size.bytes() / 2), how), { dataset: remote, snapshot: 's' });
        await assert.rejects(receiving);
        await assert.rejects(sent.done, 'the sender is stopped and says so');
        assert.equal(await target.driver.snapshotExists(remote, 's'), false);
        assert.deepEqual(await target.inventory(), before, 'no new dataset, snapshot or temporary leftover');
        assert.deepEqual(await target.driver.recover(), [], 'nothing left for recover() either');
      });
    }
  });
}
