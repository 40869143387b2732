/**
 * The replica downloader with a fake remote and an in-memory receiving driver on a real store. Two
 * downloads of one replica at once (a copy and a restore, or two copies): the second waits for the first
 * and answers with the same local snapshot instead of failing `snapshot_name_taken`. A download's local
 * expiry.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { KeyedSerialQueue } from '../../src/core/keyed-serial-queue.js';
import { downloadThen, type ObservedDownload } from '../../src/core/observed-download.js';
import { PoolRegistry } from '../../src/core/pool-registry.js';
import { ReplicaDownloader, type DownloadOptions } from '../../src/core/replica-download.js';
import type { ReplicaManifest } from '../../src/core/remote-port.js';
import { MANIFEST_FORMAT_VERSION } from '../../src/remote/manifest.js';
import { createTestStore, sampleConfig } from '../store/store-fixture.js';
import { FakeReceiveDriver } from '../core/fake-receive-driver.js';
import { FakeRemote, sha256 } from '../core/fake-remote.js';

const CONTAINER = 'c0ffee123456'.padEnd(64, '7');

/** A replica of CONTAINER's rootfs whose stream is its identity as text; incremental to `parent` if given. */
function replica(remote: FakeRemote, name: string, parent: string | null = null): ReplicaManifest {
  const key = `containers/${CONTAINER}/${name}/rootfs.stream`;
  const data = Buffer.from(`uuid-${name}`);
  remote.objects.set(key, data);
  const manifest: ReplicaManifest = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    cowsnapVersion: 'test',
    containerId: CONTAINER,
    containerName: 'shop',
    snapshotName: name,
    alias: null,
    createdAt: '2026-03-01T00:00:00.000Z',
    expiresAt: null,
    uploadedAt: '2026-03-01T00:01:00.000Z',
    origin: 'api',
    tags: [],
    config: sampleConfig([]),
    uncaptured: [],
    filesystems: [
      {
        role: 'rootfs',
        mountPoint: '/',
        driver: 'btrfs',
        stream: { key, parentSnapshot: parent, parentId: parent === null ? null : `uuid-${parent}`, snapshotId: `uuid-${name}`, plainBytes: data.length, storedBytes: data.length, sha256: sha256(data) },
      },
    ],
  };
  void remote.putManifest(manifest);
  return manifest;
}

function options(signal = new AbortController().signal, extra: Partial<DownloadOptions> = {}): DownloadOptions {
  return { signal, onProgress: () => undefined, ...extra };
}

/** Resolves once `check` holds (polled on the event loop; the downloads under test are all in memory). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i += 1) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(check(), 'condition never held');
}

describe('replica download (fake remote, in-memory receiving driver)', () => {
  const test = createTestStore();
  after(() => test.destroy());
  let remote: FakeRemote;
  let driver: FakeReceiveDriver;
  let downloader: ReplicaDownloader;
  let releaseDownloads: () => void;

  beforeEach(() => {
    test.db.exec('DELETE FROM snapshot_filesystems; DELETE FROM snapshots; DELETE FROM operations; DELETE FROM containers;');
    remote = new FakeRemote('offsite');
    driver = new FakeReceiveDriver('main');
    remote.downloadGate = new Promise((resolve) => {
      releaseDownloads = resolve;
    });
    downloader = new ReplicaDownloader({
      store: test.store,
      pools: new PoolRegistry([{ id: 'main', driver: driver.asDriver() }]),
      dockerDataRoot: () => Promise.resolve('/var/lib/docker'),
      clock: test.clock,
      logger: pino({ level: 'silent' }),
    });
  });

  it('the second download of the same replica waits and answers with the same local snapshot', async () => {
    const wanted = replica(remote, 'snap-20260301-000000');
    const first = downloader.download(remote, wanted, options());
    const second = downloader.download(remote, wanted, options());
    await until(() => remote.downloads.length === 1);
    releaseDownloads();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.snapshot.name, 'snap-20260301-000000');
    assert.equal(b.snapshot.id, a.snapshot.id);
    assert.equal(b.snapshot.state, 'ready');
    assert.deepEqual(a.downloaded, ['snap-20260301-000000']);
    assert.deepEqual(b.downloaded, [], 'the second found the snapshot on the pool and downloaded nothing');
    assert.equal(remote.downloads.length, 1);
    assert.equal(driver.receives.length, 1);
    assert.equal(test.store.countSnapshots(CONTAINER), 1);
  });

  it('a download of a later replica waits for its parent being downloaded and then fetches only its own stream', async () => {
    const parent = replica(remote, 'snap-20260301-000000');
    const child = replica(remote, 'snap-20260302-000000', 'snap-20260301-000000');
    const first = downloader.download(remote, parent, options());
    const second = downloader.download(remote, child, options());
    await until(() => remote.downloads.length === 1);
    releaseDownloads();
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(a.downloaded, ['snap-20260301-000000']);
    assert.deepEqual(b.downloaded, ['snap-20260302-000000']);
    assert.equal(b.base, 'snap-20260301-000000');
    assert.equal(b.snapshot.name, 'snap-20260302-000000');
    assert.equal(test.store.countSnapshots(CONTAINER), 2);
  });

  it('when the first download fails, the waiting one downloads by itself', async () => {
    const wanted = replica(remote, 'snap-20260301-000000');
    const stopFirst = new AbortController();
    const first = downloader.download(remote, wanted, options(stopFirst.signal));
    const second = downloader.download(remote, wanted, options());
    await until(() => remote.downloads.length === 1);
    // Only the first download is held; the second's stream is read at once.
    remote.downloadGate = undefined;
    stopFirst.abort(new Error('operation cancelled'));
    releaseDownloads();
    await assert.rejects(first, /operation cancelled/);
    const b = await second;
    assert.deepEqual(b.downloaded, ['snap-20260301-000000']);
    assert.equal(b.snapshot.state, 'ready');
    assert.equal(test.store.countSnapshots(CONTAINER), 1);
  });

  it('with expiryDays every snapshot the download records expires that many days after it; without, none does', async () => {
    releaseDownloads();
    replica(remote, 'snap-20260301-000000');
    const child = replica(remote, 'snap-20260302-000000', 'snap-20260301-000000');
    const expiring = await downloader.download(remote, child, options(undefined, { expiryDays: 3 }));
    assert.deepEqual(expiring.downloaded, ['snap-20260301-000000', 'snap-20260302-000000']);
    const in3Days = new Date(test.clock.now().getTime() + 3 * 86_400_000).toISOString();
    for (const name of expiring.downloaded) assert.equal(test.store.resolveSnapshot(CONTAINER, name)?.expiresAt?.toISOString(), in3Days, name);
    const later = replica(remote, 'snap-20260303-000000', 'snap-20260302-000000');
    const kept = await downloader.download(remote, later, options());
    assert.deepEqual(kept.downloaded, ['snap-20260303-000000']);
    assert.equal(kept.snapshot.expiresAt, null);
  });

  it('downloadThen reports to the metrics how it ended and the bytes that came down, also when the local step fails', async () => {
    releaseDownloads();
    const wanted = replica(remote, 'snap-20260301-000000');
    const heard: unknown[][] = [];
    const deps = { downloader, observer: { downloaded: (...args: unknown[]) => heard.push(args) } };
    const progress: number[] = [];
    const job = (kind: ObservedDownload['kind'], extra: Partial<ObservedDownload> = {}): ObservedDownload => ({
      kind, remote, manifest: wanted, signal: new AbortController().signal, progress: (done) => progress.push(done), log: pino({ level: 'silent' }), next: 'copying', ...extra,
    });
    const other = replica(remote, 'snap-20260302-000000');
    const bytes = wanted.filesystems[0]?.stream.plainBytes;
    await downloadThen(deps, job('copy'), () => Promise.resolve());
    await assert.rejects(downloadThen(deps, job('recover', { manifest: other }), () => Promise.reject(new Error('name taken meanwhile'))), /name taken meanwhile/);
    await assert.rejects(downloadThen(deps, job('restore', { live: () => Promise.reject(new Error('docker down')) }), () => Promise.resolve()), /docker down/);
    // The second downloaded in full and then its local step failed; the third never got to download.
    assert.deepEqual(heard, [['offsite', 'copy', 'succeeded', bytes], ['offsite', 'recover', 'failed', bytes], ['offsite', 'restore', 'failed', 0]]);
    assert.deepEqual(progress, [0, bytes, 0, bytes]);
  });
});

describe('KeyedSerialQueue', () => {
  it('runs jobs of one key in order, others at once, and lets a waiting job leave when aborted', async () => {
    const queue = new KeyedSerialQueue();
    const events: string[] = [];
    let releaseA: () => void = () => undefined;
    const a = queue.run('x', async () => {
      events.push('a start');
      await new Promise<void>((resolve) => {
        releaseA = resolve;
      });
      events.push('a end');
    });
    const stop = new AbortController();
    const b = queue.run('x', () => Promise.resolve(events.push('b ran')), stop.signal);
    const c = queue.run('x', () => Promise.resolve(events.push('c ran')));
    await queue.run('y', () => Promise.resolve(events.push('y ran')));
    stop.abort(new Error('gave up'));
    await assert.rejects(b, /gave up/);
    releaseA();
    await Promise.all([a, c]);
    assert.deepEqual(events, ['a start', 'y ran', 'a end', 'c ran']);
  });
});
