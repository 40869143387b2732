import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readStreamStart, SendStreamTracker } from '../../storage-drivers/btrfs/btrfs-send-stream.js';

function command(cmd: number, attributes: [number, Buffer][]): Buffer {
  const body = Buffer.concat(attributes.map(([type, value]) => {
    const header = Buffer.alloc(4);
    header.writeUInt16LE(type, 0);
    header.writeUInt16LE(value.length, 2);
    return Buffer.concat([header, value]);
  }));
  const header = Buffer.alloc(10);
  header.writeUInt32LE(body.length, 0);
  header.writeUInt16LE(cmd, 4);
  return Buffer.concat([header, body]);
}

const uuid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const parent = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
const streamHeader = Buffer.concat([Buffer.from('btrfs-stream\0', 'latin1'), Buffer.from([1, 0, 0, 0])]);
const incremental = Buffer.concat([
  streamHeader,
  command(2, [[15, Buffer.from('snapshot')], [1, uuid], [2, Buffer.alloc(8)], [20, parent], [21, Buffer.alloc(8)]]),
  command(15, [[15, Buffer.from('file')], [19, Buffer.alloc(5000, 7)]]),
  command(21, []),
]);

function feedInPieces(bytes: Buffer, size: number): SendStreamTracker {
  const tracker = new SendStreamTracker();
  for (let at = 0; at < bytes.length; at += size) tracker.feed(bytes.subarray(at, at + size));
  return tracker;
}

describe('btrfs send stream', () => {
  it('reads the snapshot and parent UUIDs from the first command', () => {
    assert.deepEqual(readStreamStart(incremental), {
      uuid: '00112233-4455-6677-8899-aabbccddeeff',
      parentUuid: 'ffeeddcc-bbaa-9988-7766-554433221100',
    });
    assert.equal(readStreamStart(Buffer.from('not a stream at all, no magic here')), undefined);
  });

  it('calls a stream complete only when it ends right after END, whatever the chunk sizes', () => {
    for (const size of [1, 3, 10, 4096, 1 << 20]) assert.equal(feedInPieces(incremental, size).complete, true, `chunks of ${size}`);
    // Cut exactly at a command boundary (btrfs receive itself may take that for a normal end).
    assert.equal(feedInPieces(incremental.subarray(0, incremental.length - 10), 7).complete, false);
    assert.equal(feedInPieces(incremental.subarray(0, incremental.length - 3), 7).complete, false);
    assert.equal(feedInPieces(Buffer.concat([incremental, Buffer.from('junk')]), 7).complete, false);
  });
});
