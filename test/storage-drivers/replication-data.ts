import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, link, mkdir, open, rename, rm, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { SendStream } from '../../storage-drivers/driver.js';

const execFileAsync = promisify(execFile);
const MiB = 1024 * 1024;

/** Apparent size of the big file: over 1 GiB, mostly holes, so pools and CI time stay small. */
export const BIG_FILE_BYTES = 1200 * MiB;
const BIG_FILE_DATA_AT = [0, 300 * MiB, 700 * MiB, 1100 * MiB, BIG_FILE_BYTES - MiB];

async function writeAt(path: string, offset: number, data: Buffer): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(data, 0, data.length, offset);
  } finally {
    await handle.close();
  }
}

/**
 * Whether files in `dir` take extended attributes: zfs-fuse answers ENOTSUP to every setxattr (OpenZFS
 * and btrfs take them), and a pool without them cannot be asked to carry them.
 */
export async function xattrsSupported(dir: string): Promise<boolean> {
  const probe = join(dir, `.xattr-probe-${randomBytes(4).toString('hex')}`);
  await writeFile(probe, '');
  try {
    await setXattr(probe, 'user.probe', 'x');
    return true;
  } catch (error) {
    if (/not supported/i.test(String((error as { stderr?: unknown }).stderr))) return false;
    throw error;
  } finally {
    await rm(probe, { force: true });
  }
}

export interface StateOptions {
  /** Set and change extended attributes (only where the filesystem has them: see xattrsSupported). */
  readonly xattrs: boolean;
}

async function setXattr(path: string, name: string, value: string | undefined): Promise<void> {
  const args = value === undefined ? ['-x', name, path] : ['-n', name, '-v', value, path];
  await execFileAsync('setfattr', ['-h', ...args]);
}

/**
 * What a replication stream must carry: nested folders, a symlink, hard links, extended attributes on
 * a file and a folder, modes and owners, a sparse file and one of 1.2 GiB with real data in five places.
 */
export async function writeFirstState(root: string, options: StateOptions): Promise<void> {
  await mkdir(join(root, 'old-dir/sub'), { recursive: true });
  await writeFile(join(root, 'old-dir/sub/leaf.txt'), 'leaf');
  await writeFile(join(root, 'delete-me.txt'), 'soon gone');
  await writeFile(join(root, 'move-me.txt'), 'moving');
  await writeFile(join(root, 'grow.log'), 'line 1\n');
  await writeFile(join(root, 'random.bin'), randomBytes(3 * MiB));
  await writeFile(join(root, 'linked.txt'), 'one inode, three names');
  await link(join(root, 'linked.txt'), join(root, 'linked-2.txt'));
  await link(join(root, 'linked.txt'), join(root, 'old-dir/linked-3.txt'));
  await symlink('old-dir/sub/leaf.txt', join(root, 'leaf-link'));
  await writeFile(join(root, 'secret.txt'), 'mode 600');
  await chmod(join(root, 'secret.txt'), 0o600);
  await writeFile(join(root, 'owned.txt'), 'uid 1234');
  await chown(join(root, 'owned.txt'), 1234, 5678);
  await writeFile(join(root, 'empty'), '');
  if (options.xattrs) {
    await setXattr(join(root, 'random.bin'), 'user.origin', 'host-a');
    await setXattr(join(root, 'random.bin'), 'user.removed-later', 'x');
    await setXattr(join(root, 'old-dir'), 'user.folder', 'tagged');
  }
  await writeFile(join(root, 'sparse.bin'), '');
  await truncate(join(root, 'sparse.bin'), 64 * MiB);
  for (const offset of [0, 20 * MiB, 63 * MiB]) await writeAt(join(root, 'sparse.bin'), offset, randomBytes(MiB));
  await writeFile(join(root, 'big.bin'), '');
  await truncate(join(root, 'big.bin'), BIG_FILE_BYTES);
  for (const offset of BIG_FILE_DATA_AT) await writeAt(join(root, 'big.bin'), offset, randomBytes(MiB));
}

/** Deletions, renames (file and folder), hard links added and removed, xattrs changed and removed, new data. */
export async function writeSecondState(root: string, options: StateOptions): Promise<void> {
  await rm(join(root, 'delete-me.txt'));
  await rename(join(root, 'move-me.txt'), join(root, 'moved.txt'));
  await rename(join(root, 'old-dir'), join(root, 'new-dir'));
  await unlink(join(root, 'linked-2.txt'));
  await link(join(root, 'moved.txt'), join(root, 'new-dir/moved-link.txt'));
  await writeFile(join(root, 'grow.log'), 'line 1\nline 2\n');
  if (options.xattrs) {
    await setXattr(join(root, 'random.bin'), 'user.origin', 'host-a, changed');
    await setXattr(join(root, 'random.bin'), 'user.removed-later', undefined);
  }
  await writeAt(join(root, 'big.bin'), 900 * MiB, randomBytes(MiB));
  await writeFile(join(root, 'added.txt'), 'new in the second state');
}

/** Counts the bytes of a send stream as they pass, pulled by the receiver (back-pressure holds). */
export function countBytes(sent: SendStream): { stream: Readable; bytes: () => number } {
  let bytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of sent.stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      yield chunk;
    }
  }
  return { stream: Readable.from(counted(), { objectMode: false }), bytes: () => bytes };
}

/**
 * The send stream cut after `limit` bytes, as a dropped connection would: either an error (`fail`) or
 * a clean end of file. The sender is stopped (its `done` rejects).
 */
export function cutAfter(sent: SendStream, limit: number, how: 'error' | 'eof'): Readable {
  async function* cut(): AsyncGenerator<Buffer> {
    let passed = 0;
    for await (const chunk of sent.stream as AsyncIterable<Buffer>) {
      const part = chunk.subarray(0, Math.max(0, limit - passed));
      passed += part.length;
      if (part.length > 0) yield part;
      if (passed >= limit) break;
    }
    if (how === 'error') throw new Error(`connection lost after ${passed} bytes`);
  }
  return Readable.from(cut(), { objectMode: false });
}
