/**
 * The upload side's speed measures must not change what is stored or let memory grow: the sha256 made
 * on a worker thread equals the ordinary one however the stream is cut, the stages stay bounded over
 * a 1 GiB stream, and part bodies go out unsigned (UNSIGNED-PAYLOAD) while the request stays signed.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { UploadPartCommand } from '@aws-sdk/client-s3';
import { DigestTap } from '../../src/remote/digest-streams.js';
import { OffThreadSha256 } from '../../src/remote/off-thread-sha256.js';
import { createS3Client } from '../../src/remote/s3-client-factory.js';
import { createSealingStages } from '../../src/remote/sealing-stages.js';
import { generatedStream, withPeakRss } from '../support/generated-stream.js';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function nullSink(): Writable {
  return new Writable({
    write(_data: Buffer, _encoding, callback) {
      callback();
    },
  });
}

describe('remote upload pipeline: off-thread sha256, bounded stages, unsigned part payloads', () => {
  it('the worker-thread sha256 equals the ordinary one, for every way the bytes are cut', async () => {
    const data = randomBytes(5 * MiB + 12345);
    for (const piece of [1, 4095, 65536, MiB, 3 * MiB + 1, data.length]) {
      const hash = new OffThreadSha256();
      const input = piece === 1 ? data.subarray(0, 70_000) : data;
      for (let offset = 0; offset < input.length; offset += piece) await hash.update(input.subarray(offset, offset + piece));
      assert.equal(await hash.digest(), sha256(input), `pieces of ${String(piece)} bytes`);
    }
    assert.equal(await new OffThreadSha256().digest(), sha256(Buffer.alloc(0)), 'empty stream');
  });

  it('streams hashed at the same time on the one hashing thread keep their own digests; a dropped one harms none', async () => {
    const inputs = [randomBytes(3 * MiB + 1), randomBytes(2 * MiB), randomBytes(17)];
    const hashes = inputs.map(() => new OffThreadSha256());
    const dropped = new OffThreadSha256();
    await dropped.update(randomBytes(2 * MiB));
    for (let offset = 0; offset < 4 * MiB; offset += 65536) {
      for (const [index, input] of inputs.entries()) await hashes[index]?.update(input.subarray(offset, offset + 65536));
      if (offset === MiB) dropped.destroy();
    }
    assert.deepEqual(await Promise.all(hashes.map((hash) => hash.digest())), inputs.map(sha256));
    await assert.rejects(dropped.digest(), /given up/);
  });

  it('the tap passes bytes through unchanged and knows its digest only at the end', async () => {
    const data = randomBytes(3 * MiB);
    const tap = new DigestTap();
    assert.throws(() => tap.digest(), /only once the stream ended/);
    const out: Buffer[] = [];
    await pipeline(Readable.from([data.subarray(0, 100), data.subarray(100)]), tap, new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }));
    assert.deepEqual(Buffer.concat(out), data);
    assert.equal(tap.digest(), sha256(data));
    assert.equal(tap.bytes, data.length);
  });

  it('a tap destroyed midway fails its pipeline and stops its worker', async () => {
    const tap = new DigestTap();
    const source = new Readable({ read() { this.push(randomBytes(MiB)); } });
    setTimeout(() => tap.destroy(new Error('given up')), 50);
    await assert.rejects(pipeline(source, tap, nullSink()), /given up/);
  });

  it('memory stays bounded over a 1 GiB stream through sha256, zstd and encryption', async () => {
    const source = generatedStream(1024);
    const { tap, stages } = createSealingStages(randomBytes(32), 3);
    const run = await withPeakRss(() => pipeline(source.stream, ...stages, nullSink()));
    assert.equal(tap.bytes, 1024 * MiB);
    assert.equal(tap.digest(), source.digest());
    console.log(`1 GiB through the sealing stages: RSS grew ${String(run.growthMiB)} MiB (peak ${String(run.peakMiB)} MiB)`);
    // Buffers: one 64 KiB read, zstd's window and output, one 1 MiB encryption chunk, ≤ 9 MiB of hash batches;
    // the rest is garbage V8 has not collected yet. Holding the stream would add its 1,024 MiB.
    assert.ok(run.growthMiB < 160, `RSS grew ${String(run.growthMiB)} MiB`);
  });

  describe('part payloads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cowsnap-unsigned-'));
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('go out as UNSIGNED-PAYLOAD, with the request itself signed', async () => {
      const seen: IncomingHttpHeaders[] = [];
      const server = createServer((request, response) => {
        seen.push(request.headers);
        request.resume();
        request.on('end', () => {
          response.writeHead(200, { etag: '"e"' }).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      assert.ok(address !== null && typeof address === 'object');
      const credentialsFile = join(dir, 'credentials.json');
      writeFileSync(credentialsFile, JSON.stringify({ accessKeyId: 'AK', secretAccessKey: 'SK' }), { mode: 0o600 });
      const client = createS3Client({ endpoint: `http://127.0.0.1:${String(address.port)}`, region: 'us-east-1', forcePathStyle: true, credentialsFile, maxConcurrentUploads: 1 });
      try {
        await client.send(new UploadPartCommand({ Bucket: 'b', Key: 'k', UploadId: 'u', PartNumber: 1, Body: randomBytes(1024) }));
      } finally {
        client.destroy();
        server.close();
      }
      const [headers] = seen;
      assert.ok(headers !== undefined && seen.length === 1);
      assert.equal(headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
      assert.match(headers.authorization ?? '', /^AWS4-HMAC-SHA256 Credential=AK\/.*SignedHeaders=.*x-amz-content-sha256/);
    });
  });
});
