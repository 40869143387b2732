import { open } from 'node:fs/promises';
import type { BtrfsUtilLibrary } from './btrfs-util-library.js';

/**
 * One subvolume's qgroup numbers read straight from the quota tree with BTRFS_IOC_TREE_SEARCH: two exact-key
 * lookups (the status item and the subvolume's info item), O(log n) however many qgroups the filesystem has.
 * `btrfs qgroup show -f` reads every qgroup of the filesystem before it filters (14 ms at ~1,000 snapshots,
 * and growing), and it ran after every create for the snapshot's size. libbtrfsutil has no qgroup reader.
 * Layouts from linux/btrfs.h and btrfs_tree.h (stable ABI, little endian on the hosts we run on).
 */
export interface QgroupNumbers {
  readonly referencedBytes: number;
  readonly exclusiveBytes: number;
}

/** _IOWR(0x94, 17, struct btrfs_ioctl_search_args), the struct being 4,096 bytes. */
const BTRFS_IOC_TREE_SEARCH = 0xd0009411;
const SEARCH_ARGS_SIZE = 4096;
const SEARCH_KEY_SIZE = 104;
const ITEM_HEADER_SIZE = 32;
const QUOTA_TREE_OBJECTID = 8n;
const QGROUP_STATUS_KEY = 240;
const QGROUP_INFO_KEY = 242;
/** btrfs_qgroup_status_item.flags: numbers are not to be trusted until a rescan (one may be running). */
const STATUS_FLAG_RESCAN = 1n << 1n;
const STATUS_FLAG_INCONSISTENT = 1n << 2n;

export class QgroupSearchError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'QgroupSearchError';
  }
}

/**
 * `inconsistent`: the kernel says the numbers need a rescan. `numbers` undefined: the subvolume has no
 * qgroup (created while quotas were off).
 */
export async function readQgroup(
  lib: BtrfsUtilLibrary,
  path: string,
  subvolumeId: number,
  errnoName: (errno: number) => string | undefined,
): Promise<{ inconsistent: boolean; numbers: QgroupNumbers | undefined }> {
  const handle = await open(path, 'r');
  try {
    const search = (type: number, offset: bigint): Buffer | undefined => {
      const args = Buffer.alloc(SEARCH_ARGS_SIZE);
      args.writeBigUInt64LE(QUOTA_TREE_OBJECTID, 0);
      // objectid 0..0, offset and type exact, any transid.
      args.writeBigUInt64LE(offset, 24);
      args.writeBigUInt64LE(offset, 32);
      args.writeBigUInt64LE(0xffffffffffffffffn, 48);
      args.writeUInt32LE(type, 56);
      args.writeUInt32LE(type, 60);
      args.writeUInt32LE(1, 64);
      if (lib.ioctl(handle.fd, BTRFS_IOC_TREE_SEARCH, 'void *', args) !== 0) {
        const code = errnoName(lib.errno());
        throw new QgroupSearchError(`qgroup search of ${path}: ${code ?? 'failed'}`, code);
      }
      if (args.readUInt32LE(64) === 0) return undefined;
      const header = SEARCH_KEY_SIZE;
      if (args.readUInt32LE(header + 24) !== type || args.readBigUInt64LE(header + 16) !== offset) return undefined;
      return args.subarray(header + ITEM_HEADER_SIZE, header + ITEM_HEADER_SIZE + args.readUInt32LE(header + 28));
    };
    const status = search(QGROUP_STATUS_KEY, 0n);
    const flags = status === undefined ? 0n : status.readBigUInt64LE(16);
    const inconsistent = (flags & (STATUS_FLAG_RESCAN | STATUS_FLAG_INCONSISTENT)) !== 0n;
    // Level-0 qgroup id = the subvolume id.
    const info = search(QGROUP_INFO_KEY, BigInt(subvolumeId));
    const numbers = info === undefined ? undefined : { referencedBytes: Number(info.readBigUInt64LE(8)), exclusiveBytes: Number(info.readBigUInt64LE(24)) };
    return { inconsistent, numbers };
  } finally {
    await handle.close();
  }
}
