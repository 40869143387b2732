import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BEGIN_RECORD_BYTES, readZfsStreamStart } from '../../storage-drivers/zfs/zfs-stream-header.js';

/** A DRR_BEGIN record as `zfs send` writes it, in either byte order. */
function begin(options: { little: boolean; toGuid: bigint; fromGuid?: bigint; flags?: number; headerType?: bigint }): Buffer {
  const record = Buffer.alloc(BEGIN_RECORD_BYTES);
  const u32 = (value: number, at: number): number => (options.little ? record.writeUInt32LE(value, at) : record.writeUInt32BE(value, at));
  const u64 = (value: bigint, at: number): number => (options.little ? record.writeBigUInt64LE(value, at) : record.writeBigUInt64BE(value, at));
  u32(0, 0);
  u64(0x2f5bacbacn, 8);
  u64(options.headerType ?? 1n, 16);
  u32(2, 32);
  u32(options.flags ?? 0, 36);
  u64(options.toGuid, 40);
  u64(options.fromGuid ?? 0n, 48);
  record.write('tank/ds@snap', 56, 'latin1');
  return record;
}

describe('zfs send stream header', () => {
  it('reads the guids of full, incremental and clone streams in both byte orders', () => {
    for (const little of [true, false]) {
      assert.deepEqual(readZfsStreamStart(begin({ little, toGuid: 1494288622098296899n })), { toGuid: '1494288622098296899', fromGuid: null, clone: false });
      assert.deepEqual(readZfsStreamStart(begin({ little, toGuid: 18446744073709551615n, fromGuid: 5316011881519597656n })), {
        toGuid: '18446744073709551615',
        fromGuid: '5316011881519597656',
        clone: false,
      });
      assert.equal(readZfsStreamStart(begin({ little, toGuid: 7n, fromGuid: 3n, flags: 1 }))?.clone, true);
    }
  });

  it('refuses what is no single-snapshot stream: other magic, short data, a compound (-R) stream', () => {
    assert.equal(readZfsStreamStart(Buffer.alloc(BEGIN_RECORD_BYTES, 7)), undefined);
    assert.equal(readZfsStreamStart(begin({ little: true, toGuid: 1n }).subarray(0, 100)), undefined);
    assert.equal(readZfsStreamStart(begin({ little: true, toGuid: 1n, headerType: 2n })), undefined);
    const btrfs = Buffer.alloc(BEGIN_RECORD_BYTES);
    btrfs.write('btrfs-stream\0', 0, 'latin1');
    assert.equal(readZfsStreamStart(btrfs), undefined);
  });
});
