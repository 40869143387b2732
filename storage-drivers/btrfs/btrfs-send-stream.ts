/**
 * Just enough of the btrfs send stream format (btrfs-progs send.h, protocol 1 and 2) to check a stream
 * from outside `btrfs receive`:
 *
 *   header   "btrfs-stream\0" + u32 version                       17 bytes
 *   command  u32 length, u16 command, u32 crc32c, then `length` bytes of attributes (u16 type, u16 length, value)
 *   ...      the first command is SUBVOL (full stream) or SNAPSHOT (incremental: names its parent's UUID)
 *   END      the last command, length 0
 *
 * Why: `btrfs receive` treats end-of-file at a command boundary as a normal end, so a stream cut at
 * the wrong byte would be received as a complete (and wrong) snapshot. Only a stream whose last
 * command is END and that stops right after it is complete.
 */
const MAGIC = Buffer.from('btrfs-stream\0', 'latin1');
const STREAM_HEADER_BYTES = MAGIC.length + 4;
const COMMAND_HEADER_BYTES = 10;
const CMD_SUBVOL = 1;
const CMD_SNAPSHOT = 2;
const CMD_END = 21;
const ATTR_UUID = 1;
const ATTR_CLONE_UUID = 20;

/** How many bytes of a stream are enough for readStreamStart(): the first command holds a path and two UUIDs. */
export const STREAM_START_BYTES = 8192;

export interface StreamStart {
  /** UUID the sender gave the snapshot (its received UUID on this side after receive). */
  readonly uuid: string;
  /** Incremental streams: the UUID (or received UUID) of the parent the receiver must have. */
  readonly parentUuid: string | null;
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Parses the stream header and first command; undefined when the bytes are no btrfs send stream. */
export function readStreamStart(head: Buffer): StreamStart | undefined {
  if (head.length < STREAM_HEADER_BYTES + COMMAND_HEADER_BYTES || !head.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const length = head.readUInt32LE(STREAM_HEADER_BYTES);
  const command = head.readUInt16LE(STREAM_HEADER_BYTES + 4);
  const start = STREAM_HEADER_BYTES + COMMAND_HEADER_BYTES;
  if ((command !== CMD_SUBVOL && command !== CMD_SNAPSHOT) || head.length < start + length) return undefined;
  const attributes = new Map<number, Buffer>();
  for (let at = start; at + 4 <= start + length; ) {
    const type = head.readUInt16LE(at);
    const size = head.readUInt16LE(at + 2);
    attributes.set(type, head.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  const uuid = attributes.get(ATTR_UUID);
  const parent = attributes.get(ATTR_CLONE_UUID);
  if (uuid?.length !== 16) return undefined;
  if (command === CMD_SNAPSHOT && parent?.length !== 16) return undefined;
  return { uuid: formatUuid(uuid), parentUuid: command === CMD_SNAPSHOT && parent !== undefined ? formatUuid(parent) : null };
}

/** Follows command boundaries through a stream fed chunk by chunk, in constant memory. */
export class SendStreamTracker {
  private seen = 0;
  /** Offset where the next command header starts. */
  private nextCommand = STREAM_HEADER_BYTES;
  private header: Buffer = Buffer.alloc(0);
  private lastCommand: number | undefined;

  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.seen < this.nextCommand) {
        // Inside the stream header or a command's attributes: skip.
        const skip = Math.min(chunk.length - at, this.nextCommand - this.seen);
        at += skip;
        this.seen += skip;
        continue;
      }
      const take = Math.min(chunk.length - at, COMMAND_HEADER_BYTES - this.header.length);
      this.header = Buffer.concat([this.header, chunk.subarray(at, at + take)]);
      at += take;
      this.seen += take;
      if (this.header.length === COMMAND_HEADER_BYTES) {
        this.lastCommand = this.header.readUInt16LE(4);
        this.nextCommand = this.seen + this.header.readUInt32LE(0);
        this.header = Buffer.alloc(0);
      }
    }
  }

  /** Bytes fed so far. */
  get bytes(): number {
    return this.seen;
  }

  /** True when the stream ended exactly after an END command: nothing was cut. */
  get complete(): boolean {
    return this.lastCommand === CMD_END && this.header.length === 0 && this.seen === this.nextCommand;
  }
}
