/**
 * Pushing a btrfs snapshot to a remote through the replica pipeline (btrfs send → sha256 → zstd →
 * chunked AES-256-GCM → multipart upload to a real Ceph RGW on loopback), full and incremental after
 * a 1 % change, next to the floor `btrfs send | zstd > /dev/null` on the same snapshots in the same
 * run; plus the download (authenticate, decrypt, decompress, digest) of the full stream. Peak RSS of
 * this process (VmHWM, reset before each case) says whether memory stays bounded.
 *   node --import tsx bench/remote-pipeline.ts [--gib 1] [--level 3]
 * Until the driver's send() is on main, `btrfs send` is spawned here directly.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ExecFileRunner } from '../storage-drivers/common/command-runner.js';
import { Upload } from '@aws-sdk/lib-storage';
import { streamKey } from '../src/remote/object-keys.js';
import { createBtrfsPool } from '../test/support/btrfs-pool.js';
import { createObjectStore } from '../test/support/object-store.js';
import { createTestRemote } from '../test/support/remote-under-test.js';
import { writeMixedFile } from './support/mixed-data.js';
import { writeResults } from './support/results.js';

const MiB = 1024 * 1024;
const { values } = parseArgs({ options: { gib: { type: 'string', default: '1' }, level: { type: 'string', default: '3' } } });
const gib = Number(values.gib);
const level = Number(values.level);
const runner = new ExecFileRunner();

function resetPeakRss(): void {
  // Writing 5 to clear_refs resets VmHWM (Linux ≥ 4.0), so each case reports its own peak.
  writeFileSync('/proc/self/clear_refs', '5');
}
function peakRssMiB(): number {
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024);
}

function btrfsSend(snapshot: string, parent?: string): { stdout: NodeJS.ReadableStream & import('node:stream').Readable; done: Promise<void> } {
  const child = spawn('btrfs', ['send', '-q', ...(parent !== undefined ? ['-p', parent] : []), snapshot], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`btrfs send exited ${String(code)}: ${stderr}`));
    });
  });
  return { stdout: child.stdout, done };
}

/** The floor: `btrfs send [-p parent] snapshot | zstd -<level> > /dev/null`, no encryption, no network. */
async function floor(snapshot: string, parent?: string): Promise<{ seconds: number; plainBytes: number }> {
  const t0 = performance.now();
  const send = btrfsSend(snapshot, parent);
  const devNull = openSync('/dev/null', 'w');
  const zstd = spawn('zstd', [`-${String(level)}`, '-c', '-q'], { stdio: ['pipe', devNull, 'inherit'] });
  closeSync(devNull);
  let plainBytes = 0;
  send.stdout.on('data', (data: Buffer) => (plainBytes += data.length));
  const zstdDone = new Promise<void>((resolve, reject) => {
    zstd.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`zstd exited ${String(code)}`));
    });
  });
  if (zstd.stdin === null) throw new Error('zstd has no stdin');
  await Promise.all([pipeline(send.stdout, zstd.stdin), send.done, zstdDone]);
  return { seconds: (performance.now() - t0) / 1000, plainBytes };
}

/** `btrfs send` straight into a multipart upload (no zstd, no encryption): what the store alone allows. */
async function transportOnly(snapshot: string, parent?: string): Promise<number> {
  const t0 = performance.now();
  const send = btrfsSend(snapshot, parent);
  const upload = new Upload({
    client: store.client,
    params: { Bucket: store.bucket, Key: `transport-only/${String(Math.random())}`, Body: send.stdout },
    partSize: 8 * MiB,
    queueSize: 4,
  });
  await Promise.all([upload.done(), send.done]);
  return (performance.now() - t0) / 1000;
}

const pool = await createBtrfsPool({ sizeMiB: Math.ceil(gib * 3 * 1024), quotas: false });
const store = await createObjectStore({ osdGiB: Math.max(20, Math.ceil(gib * 6)) });
const remote = createTestRemote(store, { compressionLevel: level });
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

  const figures: Record<string, unknown>[] = [];
  for (const [name, snapshot, parent] of [['full', snap1, undefined], ['incremental (1 % changed)', snap2, snap1]] as const) {
    const base = await floor(snapshot, parent);
    const transport = await transportOnly(snapshot, parent);
    resetPeakRss();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const send = btrfsSend(snapshot, parent);
    const uploaded = await remote.uploadStream(streamKey('bench', name.startsWith('full') ? 'full' : 'incr', 0), send.stdout);
    await send.done;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const row = {
      case: name,
      plainMiB: Math.round(uploaded.plainBytes / MiB),
      storedMiB: Math.round(uploaded.storedBytes / MiB),
      pipelineSeconds: Math.round(seconds * 100) / 100,
      pipelineMiBps: Math.round(uploaded.plainBytes / MiB / seconds),
      floorSeconds: Math.round(base.seconds * 100) / 100,
      floorMiBps: Math.round(base.plainBytes / MiB / base.seconds),
      pipelineOverFloor: Math.round((seconds / base.seconds) * 100) / 100,
      pipelineNodeCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 10) / 10,
      transportOnlySeconds: Math.round(transport * 100) / 100,
      transportOnlyMiBps: Math.round(uploaded.plainBytes / MiB / transport),
      peakRssMiB: peakRssMiB(),
      sha256: uploaded.sha256,
    };
    figures.push(row);
    console.log(JSON.stringify(row));
  }
  const full = figures[0] as { sha256: string; plainMiB: number };
  resetPeakRss();
  const t0 = performance.now();
  let bytes = 0;
  await pipeline(remote.downloadStream(streamKey('bench', 'full', 0), full.sha256), new Writable({ write: (d: Buffer, _e, cb) => { bytes += d.length; cb(); } }));
  const seconds = (performance.now() - t0) / 1000;
  const download = { case: 'download full (verify + decrypt + decompress)', plainMiB: Math.round(bytes / MiB), seconds: Math.round(seconds * 100) / 100, MiBps: Math.round(bytes / MiB / seconds), peakRssMiB: peakRssMiB() };
  figures.push(download);
  console.log(JSON.stringify(download));
  console.log(`results: ${await writeResults('remote-pipeline', { gib, level, partSizeMiB: 8, maxConcurrentUploads: 4, figures })}`);
} finally {
  remote.close();
  await store.destroy();
  await pool.destroy();
}
