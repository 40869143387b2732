/**
 * zstd runs as a child process (the `zstd` tool) since 2026-11-28; replicas written before went through
 * the zstd-napi binding. Both must read each other's streams byte for byte, through the whole sealing
 * format, and a zstd process that dies or cannot start fails its stream with a clear error and leaves no
 * process behind.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompressStream, DecompressStream } from 'zstd-napi';
import { ChildProcessStage, StageProcessError } from '../../src/remote/child-process-stage.js';
import { DecryptStream } from '../../src/remote/decrypt-stream.js';
import { DigestCheck } from '../../src/remote/digest-streams.js';
import { EncryptStream } from '../../src/remote/encrypt-stream.js';
import { createSealingStages } from '../../src/remote/sealing-stages.js';
import { createCompressStream, createDecompressStream } from '../../src/remote/zstd-streams.js';
import { generatedStream } from '../support/generated-stream.js';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function through(input: Buffer, stages: Duplex[]): Promise<Buffer> {
  const out: Buffer[] = [];
  const pieces = [];
  for (let offset = 0; offset < input.length; offset += 65536) pieces.push(input.subarray(offset, offset + 65536));
  const sink = new Writable({
    write(data: Buffer, _encoding, callback) {
      out.push(data);
      callback();
    },
  });
  await pipeline([Readable.from(pieces), ...stages, sink]);
  return Buffer.concat(out);
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function waitGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && !gone(pid); i += 1) await sleep(20);
  return gone(pid);
}

async function mixed(mib: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of generatedStream(mib).stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('zstd as a child process', () => {
  it('reads what the zstd-napi binding wrote, and the binding reads what it writes', async () => {
    const plain = await mixed(6);
    const byTool = await through(plain, [createCompressStream(3)]);
    const byBinding = await through(plain, [new CompressStream({ compressionLevel: 3, checksumFlag: false })]);
    assert.ok(byTool.length < plain.length * 0.8, 'half the data is text: it must shrink');
    assert.ok((await through(byTool, [new DecompressStream()])).equals(plain), 'binding decodes the tool');
    assert.ok((await through(byBinding, [createDecompressStream()])).equals(plain), 'tool decodes the binding');
    assert.equal((await through(Buffer.alloc(0), [createCompressStream(3), createDecompressStream()])).length, 0, 'empty stream');
  });

  it('a replica sealed the old way (binding, one buffer per chunk) opens through the new download stages, and the other way round', async () => {
    const master = randomBytes(32);
    const plain = await mixed(5);
    const old = await through(plain, [new CompressStream({ compressionLevel: 3, checksumFlag: false }), new EncryptStream(master)]);
    const opened = await through(old, [new DecryptStream(master, 'old stream'), createDecompressStream(), new DigestCheck(sha256(plain), 'old stream')]);
    assert.ok(opened.equals(plain));

    const { tap, stages } = createSealingStages(master, 3);
    const sealed = await through(plain, [...stages]);
    assert.equal(tap.digest(), sha256(plain));
    assert.ok((await through(sealed, [new DecryptStream(master, 'new stream'), new DecompressStream()])).equals(plain));
  });

  it('a zstd process killed midway fails the stream naming the stage, never its argv', async () => {
    const stage = createCompressStream(3);
    const pid = stage.pid;
    assert.ok(pid !== undefined);
    const source = new Readable({
      read() {
        this.push(randomBytes(MiB));
      },
    });
    setTimeout(() => process.kill(pid, 'SIGKILL'), 100);
    await assert.rejects(pipeline(source, stage, new Writable({ write: (_data, _encoding, callback) => { callback(); } })), (error: unknown) => {
      assert.ok(error instanceof StageProcessError);
      assert.match(error.message, /zstd compression failed.*SIGKILL/);
      assert.doesNotMatch(error.message, /-c|--no-check/);
      assert.match(error.detail, /--no-check/);
      return true;
    });
    assert.ok(await waitGone(pid));
  });

  it('a stream destroyed elsewhere kills its zstd process', async () => {
    const compress = createCompressStream(3);
    const decompress = createDecompressStream();
    const pids = [compress.pid, decompress.pid];
    const source = new Readable({
      read() {
        this.push(randomBytes(MiB));
      },
    });
    setTimeout(() => source.destroy(new Error('upload cancelled')), 100);
    await assert.rejects(pipeline(source, compress, decompress, new Writable({ write: (_data, _encoding, callback) => { callback(); } })), /upload cancelled/);
    for (const pid of pids) assert.ok(pid !== undefined && (await waitGone(pid)), `zstd ${String(pid)} still runs`);
  });

  it('damaged input and a missing program fail with clear errors', async () => {
    await assert.rejects(through(randomBytes(4096), [createDecompressStream()]), /zstd decompression failed: the zstd process exited with code 1/);
    await assert.rejects(through(randomBytes(10), [new ChildProcessStage('test stage', 'cowsnap-no-such-program', [])]), /test stage could not be started \(ENOENT\)/);
    assert.throws(() => createCompressStream(20), /Invalid zstd level/);
  });
});
