/**
 * Pushing a btrfs snapshot to a remote (issue #11's bench): full (1 GiB by default) and incremental
 * after a 1 % change, through the service's pipeline (btrfs send → sha256 on a worker thread → zstd →
 * chunked AES-256-GCM → multipart upload to a real Ceph RGW on loopback), next to the floor
 * `btrfs send | zstd > /dev/null` on the same snapshots in the same run (measured before and after the
 * other cases: the machine is shared and its speed drifts). Also: the pipeline into a null sink, the
 * floor uploading its zstd output to the same store, each stage alone behind `btrfs send`, the pipeline
 * as it was on main 38986a6 (zstd-napi in the main thread), and the download. Peak RSS of this
 * process (VmHWM, reset per case), its CPU, and the CPU of the Ceph daemons (on the same cores).
 *   node --import tsx bench/replicas.ts [--gib 1] [--level 3] [--part-mib 8] [--queue 4]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ExecFileRunner } from '../storage-drivers/common/command-runner.js';
import { DigestTap } from '../src/remote/digest-streams.js';
import { EncryptStream } from '../src/remote/encrypt-stream.js';
import { streamKey } from '../src/remote/object-keys.js';
import { readRemoteKey } from '../src/remote/remote-key.js';
import { createS3Client } from '../src/remote/s3-client-factory.js';
import { S3Remote } from '../src/remote/s3-remote.js';
import { createCompressStream } from '../src/remote/zstd-streams.js';
import { createBtrfsPool } from '../test/support/btrfs-pool.js';
import { createObjectStore } from '../test/support/object-store.js';
import { remoteConfigFor } from '../test/support/remote-under-test.js';
import { writeMixedFile } from './support/mixed-data.js';
import { childrenCpuSeconds, loadAverage, peakRssMiB, resetPeakRss } from './support/process-cpu.js';
import {
  floorToNull, floorToStore, pipelineToNull, previousPipelineToStore, send, sha256OnMainThread, stageToNull, zstdNapi,
  type CaseResult, type SendSource, type StoreTarget,
} from './support/replica-cases.js';
import { writeResults } from './support/results.js';

const MiB = 1024 * 1024;
const CEPH = ['radosgw', 'ceph-osd', 'ceph-mon'];
const { values } = parseArgs({
  options: { gib: { type: 'string', default: '1' }, level: { type: 'string', default: '3' }, 'part-mib': { type: 'string', default: '8' }, queue: { type: 'string', default: '4' } },
});
const gib = Number(values.gib);
const level = Number(values.level);
const partSizeMiB = Number(values['part-mib']);
const maxConcurrentUploads = Number(values.queue);
const runner = new ExecFileRunner();

interface Row {
  data: string;
  case: string;
  plainMiB: number;
  outMiB: number;
  seconds: number;
  MiBps: number;
  /** This case's throughput ÷ the floor's (`btrfs send | zstd > /dev/null`, mean of the runs before and after). */
  ofFloor?: number;
  nodeCpuSeconds: number;
  cephCpuSeconds: number;
  peakRssMiB: number;
  load: number;
}

async function measure(data: string, name: string, body: () => Promise<CaseResult>): Promise<Row> {
  resetPeakRss();
  const cpu0 = process.cpuUsage();
  const ceph0 = childrenCpuSeconds(CEPH);
  const t0 = performance.now();
  const result = await body();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const row: Row = {
    data,
    case: name,
    plainMiB: Math.round(result.plainBytes / MiB),
    outMiB: Math.round(result.outBytes / MiB),
    seconds: Math.round(seconds * 100) / 100,
    MiBps: Math.round(result.plainBytes / MiB / seconds),
    nodeCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 10) / 10,
    cephCpuSeconds: Math.round((childrenCpuSeconds(CEPH) - ceph0) * 10) / 10,
    peakRssMiB: peakRssMiB(),
    load: loadAverage(),
  };
  console.log(JSON.stringify(row));
  return row;
}

const pool = await createBtrfsPool({ sizeMiB: Math.ceil(gib * 3 * 1024), quotas: false });
const store = await createObjectStore({ osdGiB: Math.max(20, Math.ceil(gib * 8)) });
const config = remoteConfigFor(store, { compressionLevel: level, partSizeMiB, maxConcurrentUploads });
const remote = new S3Remote(config);
const master = readRemoteKey(config.encryptionKeyFile);
const target: StoreTarget = { client: createS3Client(config), bucket: store.bucket, partSizeBytes: partSizeMiB * MiB, queueSize: maxConcurrentUploads };
try {
  const subvolume = join(pool.mountPoint, 'data');
  await runner.run('btrfs', ['subvolume', 'create', subvolume]);
  const files = Math.max(1, Math.round(gib * 64));
  await mkdir(join(subvolume, 'files'));
  for (let i = 0; i < files; i += 1) await writeMixedFile(join(subvolume, 'files', `f${String(i)}.bin`), 16);
  const snap1 = join(pool.mountPoint, 'snap1');
  await runner.run('btrfs', ['subvolume', 'snapshot', '-r', subvolume, snap1]);
  // 1 % change: overwrite 64 KiB blocks at random places until 1 % of the data is new.
  const changeBytes = Math.round(gib * 1024 * MiB * 0.01);
  for (let written = 0; written < changeBytes; written += 64 * 1024) {
    const handle = await open(join(subvolume, 'files', `f${String(Math.floor(Math.random() * files))}.bin`), 'r+');
    await handle.write(randomBytes(64 * 1024), 0, 64 * 1024, Math.floor(Math.random() * 255) * 64 * 1024);
    await handle.close();
  }
  const snap2 = join(pool.mountPoint, 'snap2');
  await runner.run('btrfs', ['subvolume', 'snapshot', '-r', subvolume, snap2]);
  await runner.run('sync', []);

  const rows: Row[] = [];
  let fullSha256 = '';
  const sources: [string, SendSource][] = [['full', { snapshot: snap1 }], ['incremental (1 % changed)', { snapshot: snap2, parent: snap1 }]];
  for (const [data, source] of sources) {
    const caseRows: Row[] = [];
    const run = async (name: string, body: () => Promise<CaseResult>): Promise<void> => {
      caseRows.push(await measure(data, name, body));
    };
    const tag = data === 'full' ? 'full' : 'incr';
    await run('floor: btrfs send | zstd > /dev/null', () => floorToNull(source, level));
    if (data === 'full') {
      await run('stage: btrfs send → null', () => stageToNull(source, () => []));
      await run('stage: send → sha256 (main thread) → null', () => stageToNull(source, () => [sha256OnMainThread()]));
      await run('stage: send → sha256 (worker thread) → null', () => stageToNull(source, () => [new DigestTap()]));
      await run('stage: send → zstd-napi (main thread) → null', () => stageToNull(source, () => [zstdNapi(level)]));
      await run('stage: send → zstd tool (child process) → null', () => stageToNull(source, () => [createCompressStream(level)]));
      await run('stage: send → AES-GCM → null', () => stageToNull(source, () => [new EncryptStream(master)]));
    }
    await run('pipeline → null sink', () => pipelineToNull(source, level, master));
    await run('floor + store: btrfs send | zstd | upload', () => floorToStore(source, level, target, `bench/floor-${tag}`));
    await run('pipeline → RGW (the service)', async () => {
      const sent = send(source);
      const uploaded = await remote.uploadStream(streamKey('bench', tag, 0), sent.stream);
      await sent.done;
      if (data === 'full') fullSha256 = uploaded.sha256;
      return { plainBytes: uploaded.plainBytes, outBytes: uploaded.storedBytes };
    });
    await run('before: pipeline of main 38986a6 (zstd-napi in the main thread) → RGW', () => previousPipelineToStore(source, level, master, target, `bench/previous-${tag}`));
    await run('floor again: btrfs send | zstd > /dev/null', () => floorToNull(source, level));
    const floors = caseRows.filter((row) => row.case.startsWith('floor') && !row.case.includes('store'));
    const floorSeconds = floors.reduce((sum, row) => sum + row.seconds, 0) / floors.length;
    for (const row of caseRows) rows.push({ ...row, ofFloor: Math.round((floorSeconds / row.seconds) * 100) / 100 });
  }
  rows.push(
    await measure('full', 'download: GET → authenticate + decrypt → zstd -d → sha256 check', async () => {
      let bytes = 0;
      const sink = new Writable({
        write: (data: Buffer, _encoding, callback) => {
          bytes += data.length;
          callback();
        },
      });
      await pipeline(remote.downloadStream(streamKey('bench', 'full', 0), fullSha256), sink);
      return { plainBytes: bytes, outBytes: 0 };
    }),
  );
  console.table(rows.map((row) => ({ data: row.data, case: row.case, s: row.seconds, 'MiB/s': row.MiBps, 'of floor': row.ofFloor, 'node cpu': row.nodeCpuSeconds, 'ceph cpu': row.cephCpuSeconds, 'rss MiB': row.peakRssMiB, load: row.load })));
  console.log(`results: ${await writeResults('replicas', { gib, level, partSizeMiB, maxConcurrentUploads, rows })}`);
} finally {
  remote.close();
  target.client.destroy();
  await store.destroy();
  await pool.destroy();
}

