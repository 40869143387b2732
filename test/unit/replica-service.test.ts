import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { storageSnapshotName } from '../../src/core/storage-snapshot-name.js';
import { streamKey } from '../../src/remote/object-keys.js';
import { CONTAINER_ID, createTestStore, withContainer, type TestStore } from '../store/store-fixture.js';
import { FakeRemote, sha256 } from '../core/fake-remote.js';
import { FakeSendDriver } from '../core/fake-send-driver.js';
import { harness, pushedSnapshot, readySnapshot } from '../core/replica-harness.js';

describe('replica service', () => {
  let test: TestStore;
  beforeEach(() => {
    test = createTestStore();
    withContainer(test);
  });
  afterEach(async () => {
    await test.destroy();
  });

  it('push answers at once (uploading + queued operation), then uploads every stream and writes the manifest', async () => {
    const h = harness(test);
    const snapshot = readySnapshot(test, '2026-03-04T05:00:00Z');
    const pushed = await h.service.push('web', snapshot.name, 'offsite');
    assert.equal(pushed.replica.state, 'uploading');
    assert.ok(['queued', 'running'].includes(pushed.operation.status), 'a free slot starts the upload at once');
    assert.equal(pushed.operation.kind, 'replica.upload');
    await h.service.idle();

    const replica = h.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: snapshot.name, remoteId: 'offsite' });
    assert.equal(replica?.state, 'ready');
    assert.equal(replica.parentSnapshot, null);
    assert.equal(replica.plainBytes, 2 * 64 * 1024);
    const operation = h.operations.getOperation(pushed.operation.id);
    assert.equal(operation?.status, 'succeeded');
    assert.equal(operation.bytesDone, 2 * 64 * 1024);
    assert.equal(operation.bytesTotal, 2 * 64 * 1024);

    const manifest = await h.remote.getManifest(CONTAINER_ID, snapshot.name);
    assert.ok(manifest);
    assert.deepEqual(manifest.filesystems.map((fs) => [fs.mountPoint, fs.stream.key, fs.stream.parentSnapshot]), [
      ['/', streamKey(CONTAINER_ID, snapshot.name, 0), null],
      ['/data', streamKey(CONTAINER_ID, snapshot.name, 1), null],
    ]);
    const object = h.remote.objects.get(streamKey(CONTAINER_ID, snapshot.name, 0));
    assert.ok(object);
    assert.equal(manifest.filesystems[0]?.stream.sha256, sha256(object));
    assert.equal(manifest.config.env[0], 'DB_PASSWORD=hunter2-very-secret', 'the port gets plaintext env; the adapter seals it');
    assert.equal(h.pins.isPinned(snapshot.id), false, 'the pin is released when the upload ends');
  });

  it('a push by hand with expiry keeps the replica that many days from now (record and manifest); without, until deleted', async () => {
    const h = harness(test);
    const kept = readySnapshot(test, '2026-03-04T05:00:00Z');
    const expiring = readySnapshot(test, '2026-03-04T06:00:00Z');
    await h.service.pushByHand('web', kept.name, 'offsite', {});
    await h.service.pushByHand('web', expiring.name, 'offsite', { expiryDays: 7 });
    await h.service.idle();
    const due = new Date(test.clock.now().getTime() + 7 * 86_400_000).toISOString();
    const record = (name: string) => h.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: name, remoteId: 'offsite' });
    assert.equal(record(kept.name)?.expiresAt, null);
    assert.equal(record(expiring.name)?.expiresAt?.toISOString(), due);
    assert.equal(record(expiring.name)?.scheduleId, null);
    assert.equal((await h.remote.getManifest(CONTAINER_ID, kept.name))?.expiresAt, null);
    assert.equal((await h.remote.getManifest(CONTAINER_ID, expiring.name))?.expiresAt, due);
  });

  it('sends incrementally from the previous replicated snapshot that is still local and in the remote', async () => {
    const h = harness(test);
    const first = await pushedSnapshot(h, test, '2026-03-04T05:00:00Z');
    const second = await pushedSnapshot(h, test, '2026-03-04T06:00:00Z');

    const parentStorage = storageSnapshotName(first.id, first.name);
    assert.deepEqual(h.drivers.main.sends.at(-1), { dataset: second.filesystems[0]?.dataset, snapshot: storageSnapshotName(second.id, second.name), parent: parentStorage });
    const replica = h.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: second.name, remoteId: 'offsite' });
    assert.equal(replica?.parentSnapshot, first.name);
    assert.ok((replica.plainBytes ?? 0) < 64 * 1024, 'incremental streams are smaller than full ones');
    const manifest = await h.remote.getManifest(CONTAINER_ID, second.name);
    assert.deepEqual(manifest?.filesystems.map((fs) => [fs.stream.parentSnapshot, fs.stream.parentId]), [
      [first.name, `uuid:${first.filesystems[0]?.dataset ?? ''}:${parentStorage}`],
      [first.name, `uuid:${first.filesystems[1]?.dataset ?? ''}:${parentStorage}`],
    ]);
  });

  it('sends full when the driver refuses the parent (ZFS after a restore to an older snapshot), and says so in the manifest', async () => {
    const drivers = { main: new FakeSendDriver(), tank: new FakeSendDriver() };
    const h = harness(test, { drivers });
    const first = await pushedSnapshot(h, test, '2026-03-04T05:00:00Z');
    drivers.tank.refuseParents = true;
    const second = await pushedSnapshot(h, test, '2026-03-04T06:00:00Z');

    const replica = h.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: second.name, remoteId: 'offsite' });
    assert.equal(replica?.state, 'ready');
    assert.deepEqual(drivers.tank.sends.slice(-2).map((s) => s.parent), [storageSnapshotName(first.id, first.name), undefined], 'tried incremental, then full');
    const manifest = await h.remote.getManifest(CONTAINER_ID, second.name);
    assert.deepEqual(manifest?.filesystems.map((fs) => [fs.mountPoint, fs.stream.parentSnapshot]), [
      ['/', first.name],
      ['/data', null],
    ]);
  });

  it('sends full when the parent replica is gone from the remote, or the driver cannot send incrementally', async () => {
    const drivers = { main: new FakeSendDriver(), tank: new FakeSendDriver({ send: true, incrementalSend: false }) };
    const h = harness(test, { drivers });
    const first = await pushedSnapshot(h, test, '2026-03-04T05:00:00Z');
    const second = await pushedSnapshot(h, test, '2026-03-04T06:00:00Z');
    assert.equal(drivers.main.sends.at(-1)?.parent, storageSnapshotName(first.id, first.name));
    assert.equal(drivers.tank.sends.at(-1)?.parent, undefined, 'this driver has no incrementalSend: full');

    // Another host (or an operator) deleted the second replica from the bucket: the third goes full against it,
    // incremental against the first.
    await h.remote.deleteReplica(CONTAINER_ID, second.name);
    const third = await pushedSnapshot(h, test, '2026-03-04T07:00:00Z');
    assert.equal(drivers.main.sends.at(-1)?.parent, storageSnapshotName(first.id, first.name));

    await h.remote.deleteReplica(CONTAINER_ID, first.name);
    await h.remote.deleteReplica(CONTAINER_ID, third.name);
    test.store.markSnapshotDeleting(first.id);
    await pushedSnapshot(h, test, '2026-03-04T08:00:00Z');
    assert.equal(drivers.main.sends.at(-1)?.parent, undefined, 'no parent left in the remote: full');
  });

  it('refuses a push (409 send_unsupported, naming the mount) when a filesystem\'s driver cannot send, and records nothing', async () => {
    const drivers = { main: new FakeSendDriver(), tank: new FakeSendDriver({ send: false, incrementalSend: false }) };
    const h = harness(test, { drivers });
    const snapshot = readySnapshot(test, '2026-03-04T05:00:00Z');
    await assert.rejects(h.service.push('web', snapshot.name, 'offsite'), (error: Error & { code?: string; statusCode?: number }) => {
      assert.equal(error.code, 'send_unsupported');
      assert.equal(error.statusCode, 409);
      assert.match(error.message, /\/data/);
      assert.doesNotMatch(error.message, /zfs|btrfs|tank/i, 'capability, not driver name or pool id');
      return true;
    });
    assert.deepEqual(h.replicas.listReplicasOfContainer(CONTAINER_ID, 'offsite'), []);
    assert.equal(drivers.main.sends.length + drivers.tank.sends.length, 0);
  });

  it('refuses to delete a snapshot (or its parent) while it is uploading: 409 snapshot_in_use', async () => {
    const h = harness(test);
    const first = await pushedSnapshot(h, test, '2026-03-04T05:00:00Z');
    let release: () => void = () => undefined;
    h.remote.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started = new Promise<void>((resolve) => {
      h.remote.onUploadStart = () => {
        resolve();
      };
    });
    const second = readySnapshot(test, '2026-03-04T06:00:00Z');
    await h.service.push('web', second.name, 'offsite');
    await started;
    await assert.rejects(h.deleter.delete(second), { statusCode: 409, code: 'snapshot_in_use' });
    await assert.rejects(h.deleter.delete(first), { statusCode: 409, code: 'snapshot_in_use' }, 'the parent of the incremental stream too');
    assert.equal(test.store.getSnapshot(second.id)?.state, 'ready', 'nothing changed');
    release();
    await h.service.idle();
    assert.equal(h.pins.isPinned(second.id) || h.pins.isPinned(first.id), false);
  });

  it('refuses a second push of the same snapshot: 409 while uploading, 409 once it exists', async () => {
    const h = harness(test);
    const snapshot = readySnapshot(test, '2026-03-04T05:00:00Z');
    h.remote.gate = new Promise<void>(() => undefined);
    await h.service.push('web', snapshot.name, 'offsite');
    await assert.rejects(h.service.push('web', snapshot.name, 'offsite'), { statusCode: 409, code: 'replica_uploading' });
    await assert.rejects(h.service.push('web', snapshot.name, 'nowhere'), { statusCode: 404, code: 'remote_not_found' });
    await assert.rejects(h.service.push('web', 'snap-20990101-000000', 'offsite'), { statusCode: 404, code: 'snapshot_not_found' });
  });

  it('an unreachable remote answers 503 remote_unavailable and records nothing', async () => {
    const h = harness(test);
    const snapshot = readySnapshot(test, '2026-03-04T05:00:00Z');
    h.remote.getManifest = () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:443'));
    await assert.rejects(h.service.push('web', snapshot.name, 'offsite'), (error: Error & { statusCode?: number; code?: string }) => {
      assert.equal(error.statusCode, 503);
      assert.equal(error.code, 'remote_unavailable');
      assert.doesNotMatch(error.message, /10\.1\.2\.3/);
      return true;
    });
    assert.deepEqual(h.service.replicasOf(CONTAINER_ID, snapshot.name), []);
    assert.equal(h.operations.listOperations({ limit: 10, offset: 0 }).total, 0);
    assert.equal(h.pins.isPinned(snapshot.id), false);
  });

  it('a failed send fails the replica with a sentence (no host paths) and leaves nothing in the bucket', async () => {
    const h = harness(test);
    h.drivers.tank.failNextSend = true;
    const snapshot = readySnapshot(test, '2026-03-04T05:00:00Z');
    const pushed = await h.service.push('web', snapshot.name, 'offsite');
    await h.service.idle();
    const operation = h.operations.getOperation(pushed.operation.id);
    assert.equal(operation?.status, 'failed');
    assert.equal(operation.error?.code, 'replica_send_failed');
    assert.match(operation.error.message, /stream 1 \(\/data\)/);
    assert.doesNotMatch(operation.error.message, /secret|btrfs send/);
    const replica = h.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: snapshot.name, remoteId: 'offsite' });
    assert.equal(replica?.state, 'failed');
    assert.equal(h.remote.manifests.size, 0, 'no manifest');
    assert.equal(h.remote.objects.size, 0, 'stream 0 was uploaded, then removed');
    assert.equal(h.remote.incomplete.size, 0);

    // A retry works and replaces the failed record.
    await h.service.push('web', snapshot.name, 'offsite');
    await h.service.idle();
    assert.equal(h.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: snapshot.name, remoteId: 'offsite' })?.state, 'ready');
  });

  it('delete refuses (409, naming the children) while an incremental replica depends on it', async () => {
    const h = harness(test);
    const first = await pushedSnapshot(h, test, '2026-03-04T05:00:00Z');
    const second = await pushedSnapshot(h, test, '2026-03-04T06:00:00Z');

    await assert.rejects(h.service.deleteReplica('web', first.name, 'offsite'), (error: Error & { code?: string; statusCode?: number }) => {
      assert.equal(error.statusCode, 409);
      assert.equal(error.code, 'replica_has_dependents');
      assert.match(error.message, new RegExp(second.name));
      return true;
    });
    await h.service.deleteReplica('web', second.name, 'offsite');
    await h.service.deleteReplica('web', first.name, 'offsite');
    assert.equal(h.remote.manifests.size, 0);
    assert.equal(h.remote.objects.size, 0);
    assert.deepEqual(h.service.replicasOf(CONTAINER_ID, first.name), []);
    await assert.rejects(h.service.deleteReplica('web', first.name, 'offsite'), { statusCode: 404, code: 'replica_not_found' });
  });

  it('deleting the local snapshot keeps its replica (record and bucket); the replica can still be deleted by name', async () => {
    const h = harness(test);
    const snapshot = await pushedSnapshot(h, test, '2026-03-04T05:00:00Z');
    await h.deleter.delete(snapshot);
    assert.equal(test.store.getSnapshot(snapshot.id), undefined);
    assert.equal(h.service.replicasOf(CONTAINER_ID, snapshot.name)[0]?.state, 'ready');
    assert.ok(await h.remote.getManifest(CONTAINER_ID, snapshot.name));
    await h.service.deleteReplica('web', snapshot.name, 'offsite');
    assert.equal(h.remote.manifests.size, 0);
  });

  it('verify reads every stream back; a damaged object fails naming the stream', async () => {
    const h = harness(test);
    const snapshot = await pushedSnapshot(h, test, '2026-03-04T05:00:00Z');
    const good = await h.service.verify('web', snapshot.name, 'offsite');
    assert.equal(good.ok, true);
    assert.deepEqual(good.streams.map((s) => [s.mountPoint, s.ok]), [['/', true], ['/data', true]]);
    h.remote.corrupt(streamKey(CONTAINER_ID, snapshot.name, 1));
    const bad = await h.service.verify('web', snapshot.name, 'offsite');
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.streams.map((s) => [s.mountPoint, s.ok, s.problem]), [['/', true, null], ['/data', false, 'tag mismatch in chunk 0']]);
  });

  it('runs at most maxConcurrentUploads at once; the others wait as queued', async () => {
    const h = harness(test, { maxConcurrentUploads: 1 });
    let release: () => void = () => undefined;
    h.remote.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const a = readySnapshot(test, '2026-03-04T05:00:00Z');
    const b = readySnapshot(test, '2026-03-04T06:00:00Z');
    const pushedA = await h.service.push('web', a.name, 'offsite');
    const pushedB = await h.service.push('web', b.name, 'offsite');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(h.operations.getOperation(pushedA.operation.id)?.status, 'running');
    assert.equal(h.operations.getOperation(pushedB.operation.id)?.status, 'queued');
    release();
    await h.service.idle();
    assert.equal(h.operations.getOperation(pushedB.operation.id)?.status, 'succeeded');
  });

  it('an upload interrupted by a stop or crash resumes at start-up: leftovers aborted, replica ready', async () => {
    const first = harness(test);
    const snapshot = readySnapshot(test, '2026-03-04T05:00:00Z');
    first.remote.gate = new Promise<void>(() => undefined);
    const started = new Promise<void>((resolve) => {
      first.remote.onUploadStart = () => {
        resolve();
      };
    });
    const pushed = await first.service.push('web', snapshot.name, 'offsite');
    await started;
    // The process dies here: the record stays `uploading`, a multipart upload is left in the bucket.
    assert.equal(first.remote.incomplete.size, 1);
    test.reopen();
    first.remote.gate = undefined;
    const second = harness(test, { remote: first.remote });
    assert.deepEqual(second.service.resumeUploads(), { resumed: 1, failed: 0 });
    assert.equal(second.pins.isPinned(snapshot.id), true, 'pinned before the API opens');
    await second.service.idle();
    assert.equal(first.remote.aborted, 1);
    assert.equal(second.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: snapshot.name, remoteId: 'offsite' })?.state, 'ready');
    assert.equal(second.operations.getOperation(pushed.operation.id)?.status, 'succeeded', 'the same operation id finishes');
    assert.ok(await first.remote.getManifest(CONTAINER_ID, snapshot.name));
  });

  it('close() stops an upload whose sender hangs, even when the remote ignores the signal; it stays uploading', async () => {
    const h = harness(test);
    h.drivers.main.stallNextSend = true;
    const started = new Promise<void>((resolve) => {
      h.remote.onUploadStart = () => {
        resolve();
      };
    });
    const snapshot = readySnapshot(test, '2026-03-04T05:00:00Z');
    const pushed = await h.service.push('web', snapshot.name, 'offsite');
    await started;
    const began = Date.now();
    await h.service.close(5000);
    assert.ok(Date.now() - began < 4000, 'ending the source stops the upload at once');
    assert.equal(h.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: snapshot.name, remoteId: 'offsite' })?.state, 'uploading');
    assert.equal(h.operations.getOperation(pushed.operation.id)?.status, 'running', 'not failed: it resumes at the next start');
    assert.equal(h.remote.manifests.size, 0);
  });

  it('at start-up, a manifest written just before the crash makes the replica ready without uploading again', async () => {
    const h = harness(test);
    const snapshot = await pushedSnapshot(h, test, '2026-03-04T05:00:00Z');
    // As if the crash came after putManifest and before the record was updated.
    test.db.prepare("UPDATE replicas SET state = 'uploading'").run();
    const sends = h.drivers.main.sends.length;
    const again = harness(test, { remote: h.remote, drivers: h.drivers });
    again.service.resumeUploads();
    await again.service.idle();
    assert.equal(h.drivers.main.sends.length, sends, 'nothing sent again');
    assert.equal(again.replicas.getReplica({ containerId: CONTAINER_ID, snapshotName: snapshot.name, remoteId: 'offsite' })?.state, 'ready');
  });

  it('at start-up, an upload whose snapshot or remote is gone fails with a reason', async () => {
    const h = harness(test);
    const snapshot = readySnapshot(test, '2026-03-04T05:00:00Z');
    h.remote.gate = new Promise<void>(() => undefined);
    const pushed = await h.service.push('web', snapshot.name, 'offsite');
    test.reopen();
    test.store.deleteSnapshotRecord(snapshot.id);
    const again = harness(test, { remote: new FakeRemote('offsite') });
    assert.deepEqual(again.service.resumeUploads(), { resumed: 0, failed: 1 });
    const operation = again.operations.getOperation(pushed.operation.id);
    assert.equal(operation?.status, 'failed');
    assert.equal(operation.error?.code, 'snapshot_gone');
  });
});
