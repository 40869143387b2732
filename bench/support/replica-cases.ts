/**
 * The cases of bench/replicas.ts, each pushing one btrfs send stream somewhere and timing it: the
 * floors made of command-line tools, the service's own pipeline into a null sink and into the store,
 * and the pipeline as it was before the 2026-11-28 speed work, for a before/after in the same run.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { Transform, Writable, type Duplex, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { spawnSendStream } from '../../storage-drivers/common/child-stream.js';
import { CompressStream } from 'zstd-napi';
import { ByteCounter, DigestTap } from '../../src/remote/digest-streams.js';
import { EncryptStream } from '../../src/remote/encrypt-stream.js';
import { createSealingStages } from '../../src/remote/sealing-stages.js';

export interface SendSource {
  readonly snapshot: string;
  readonly parent?: string;
}

export interface StoreTarget {
  readonly client: S3Client;
  readonly bucket: string;
  readonly partSizeBytes: number;
  readonly queueSize: number;
}

export interface CaseResult {
  readonly plainBytes: number;
  /** Bytes that left the last stage (compressed, and encrypted where the case encrypts). */
  readonly outBytes: number;
}

export function send(source: SendSource): { stream: Readable; done: Promise<void> } {
  return spawnSendStream('btrfs', ['send', '--quiet', ...(source.parent !== undefined ? ['-p', source.parent] : []), source.snapshot]);
}

function exitOf(child: ReturnType<typeof spawn>, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${name} exited ${String(code)}`));
    });
  });
}

class Counter extends Transform {
  bytes = 0;
  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += data.length;
    callback(null, data);
  }
}

function nullSink(): Writable {
  return new Writable({
    highWaterMark: 1024 * 1024,
    write(_data: Buffer, _encoding, callback) {
      callback();
    },
  });
}

/** The floor: `btrfs send [-p parent] snapshot | zstd -<level> > /dev/null`; no hashing, no encryption, no network. */
export async function floorToNull(source: SendSource, level: number): Promise<CaseResult> {
  const sent = send(source);
  const devNull = openSync('/dev/null', 'w');
  const zstd = spawn('zstd', [`-${String(level)}`, '-c', '-q'], { stdio: ['pipe', devNull, 'inherit'] });
  closeSync(devNull);
  const counted = new Counter();
  if (zstd.stdin === null) throw new Error('zstd has no stdin');
  await Promise.all([pipeline(sent.stream, counted, zstd.stdin), sent.done, exitOf(zstd, 'zstd')]);
  return { plainBytes: counted.bytes, outBytes: 0 };
}

/** The floor with the store: `btrfs send | zstd -<level>` uploaded as it comes, same client, parts and queue as the service. */
export async function floorToStore(source: SendSource, level: number, store: StoreTarget, key: string): Promise<CaseResult> {
  const sent = send(source);
  const zstd = spawn('zstd', [`-${String(level)}`, '-c', '-q'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const counted = new Counter();
  const stored = new Counter();
  const upload = new Upload({
    client: store.client,
    params: { Bucket: store.bucket, Key: key, Body: zstd.stdout.pipe(stored) },
    partSize: store.partSizeBytes,
    queueSize: store.queueSize,
  });
  await Promise.all([pipeline(sent.stream, counted, zstd.stdin), sent.done, exitOf(zstd, 'zstd'), upload.done()]);
  return { plainBytes: counted.bytes, outBytes: stored.bytes };
}

/** The service's stages (sha256 on a worker thread → zstd → AES-GCM) into a null sink: the pipeline without the store. */
export async function pipelineToNull(source: SendSource, level: number, master: Buffer): Promise<CaseResult> {
  const sent = send(source);
  const { tap, stages } = createSealingStages(master, level);
  const out = new Counter();
  await Promise.all([pipeline(sent.stream, ...stages, out, nullSink()), sent.done]);
  return { plainBytes: tap.bytes, outBytes: out.bytes };
}

/** One stage alone behind `btrfs send`, into a null sink: where the pipeline's time goes. */
export async function stageToNull(source: SendSource, stage: () => Duplex[]): Promise<CaseResult> {
  const sent = send(source);
  const counted = new Counter();
  const out = new Counter();
  await Promise.all([pipeline(sent.stream, counted, ...stage(), out, nullSink()), sent.done]);
  return { plainBytes: counted.bytes, outBytes: out.bytes };
}

class MainThreadSha256 extends Transform {
  readonly hash = createHash('sha256');
  override _transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(data);
    callback(null, data);
  }
}

/** zstd in Node's main thread through the zstd-napi binding, as the pipeline compressed until 2026-11-28 12:00. */
export function zstdNapi(level: number): Transform {
  return new CompressStream({ compressionLevel: level, checksumFlag: false });
}

/** The stages as they were on main 38986a6: sha256 on the worker thread, zstd-napi in the main thread, AES-GCM. */
export function previousStages(master: Buffer, level: number): Duplex[] {
  return [new DigestTap(), zstdNapi(level), new EncryptStream(master)];
}

export function sha256OnMainThread(): Transform {
  return new MainThreadSha256();
}

/** The previous pipeline (previousStages) into the store, with the same client as the service's. */
export async function previousPipelineToStore(source: SendSource, level: number, master: Buffer, store: StoreTarget, key: string): Promise<CaseResult> {
  const sent = send(source);
  const counted = new Counter();
  const stored = new ByteCounter();
  const upload = new Upload({
    client: store.client,
    params: { Bucket: store.bucket, Key: key, Body: stored },
    partSize: store.partSizeBytes,
    queueSize: store.queueSize,
  });
  await Promise.all([pipeline(sent.stream, counted, ...previousStages(master, level), stored), sent.done, upload.done()]);
  return { plainBytes: counted.bytes, outBytes: stored.bytes };
}
