/**
 * Just enough of the ZFS send stream format to plan a receive before running `zfs recv`. A stream
 * starts with a DRR_BEGIN record (sys/zfs_ioctl.h, the same in pool v23 and OpenZFS 2.x):
 *
 *   u32 drr_type (0 = BEGIN)   u32 drr_payloadlen
 *   u64 drr_magic 0x2F5BACBAC  u64 drr_versioninfo (low 2 bits: 1 substream, 2 compound (-R); high bits: features)
 *   u64 drr_creation_time      u32 drr_type (objset type)  u32 drr_flags
 *   u64 drr_toguid             u64 drr_fromguid (0 for a full stream)       char drr_toname[256]
 *
 * drr_flags bit 0 (DRR_FLAG_CLONE) marks an incremental stream from a clone's origin (`zfs send -i
 * origin clone@snap`): `zfs recv` makes a new filesystem for it, cloned from the snapshot with drr_fromguid.
 *
 * in the sender's byte order, which the magic tells. Why parse at all: an incremental stream names its
 * parent only by guid, and the receiving side must find that snapshot among the dataset's lineages
 * before it knows where to receive. Whether the rest of the stream is whole is `zfs recv`'s job: its
 * END record carries a checksum of everything before it, so a cut or corrupted stream fails there.
 */
const MAGIC = 0x2f5bacbacn;
const MAGIC_OFFSET = 8;
const VERSION_OFFSET = 16;
const TO_GUID_OFFSET = 40;
const FROM_GUID_OFFSET = 48;
const FLAGS_OFFSET = 36;
const DRR_FLAG_CLONE = 0x1;
const HEADER_TYPE_MASK = 0x3n;
const COMPOUND_STREAM = 2n;

/** The BEGIN record: 8 bytes of record header plus the 304-byte drr_begin. */
export const BEGIN_RECORD_BYTES = 312;

export interface ZfsStreamStart {
  /** guid of the snapshot the stream makes (equal to the sent snapshot's guid). */
  readonly toGuid: string;
  /** guid of the snapshot an incremental stream applies to; null for a full stream. */
  readonly fromGuid: string | null;
  /** Incremental from a clone's origin: received as a new filesystem cloned from the parent. */
  readonly clone: boolean;
}

/** Parses the BEGIN record; undefined when the bytes are no single-snapshot ZFS send stream. */
export function readZfsStreamStart(head: Buffer): ZfsStreamStart | undefined {
  if (head.length < BEGIN_RECORD_BYTES) return undefined;
  const little = head.readBigUInt64LE(MAGIC_OFFSET) === MAGIC;
  if (!little && head.readBigUInt64BE(MAGIC_OFFSET) !== MAGIC) return undefined;
  const u64 = (offset: number): bigint => (little ? head.readBigUInt64LE(offset) : head.readBigUInt64BE(offset));
  const recordType = little ? head.readUInt32LE(0) : head.readUInt32BE(0);
  // A compound stream (`zfs send -R`) holds many snapshots; this driver never makes one.
  if (recordType !== 0 || (u64(VERSION_OFFSET) & HEADER_TYPE_MASK) === COMPOUND_STREAM) return undefined;
  const from = u64(FROM_GUID_OFFSET);
  const flags = little ? head.readUInt32LE(FLAGS_OFFSET) : head.readUInt32BE(FLAGS_OFFSET);
  return {
    toGuid: u64(TO_GUID_OFFSET).toString(),
    fromGuid: from === 0n ? null : from.toString(),
    clone: from !== 0n && (flags & DRR_FLAG_CLONE) !== 0,
  };
}
