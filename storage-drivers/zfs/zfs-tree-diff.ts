import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BigIntStats } from 'node:fs';
import type { DiffEntry } from '../driver.js';
import { TooManyChangesError } from '../common/errors.js';

interface Node {
  readonly stats: BigIntStats;
  readonly link?: string;
}

/** Every path below `root` (relative, starting with "/"), without crossing into other filesystems. */
export async function walkTree(root: string): Promise<Map<string, Node>> {
  const nodes = new Map<string, Node>();
  const rootDev = (await lstat(root, { bigint: true })).dev;
  const visit = async (relative: string): Promise<void> => {
    const entries = await readdir(join(root, relative));
    for (const entry of entries.sort()) {
      const path = `${relative}/${entry}`;
      const stats = await lstat(join(root, path), { bigint: true });
      const link = stats.isSymbolicLink() ? await readlink(join(root, path)) : undefined;
      nodes.set(path, link === undefined ? { stats } : { stats, link });
      if (stats.isDirectory() && stats.dev === rootDev) await visit(path);
    }
  };
  await visit('');
  return nodes;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function kind(stats: BigIntStats): string {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'link';
  return `special:${stats.mode & 0o170000n}:${stats.rdev}`;
}

/** Metadata a user would call a change: type, permissions, owner; for files also size and mtime. */
function metadataDiffers(a: Node, b: Node): boolean {
  if (kind(a.stats) !== kind(b.stats)) return true;
  if (a.stats.mode !== b.stats.mode || a.stats.uid !== b.stats.uid || a.stats.gid !== b.stats.gid) return true;
  if (a.link !== b.link) return true;
  if (a.stats.isFile()) return a.stats.size !== b.stats.size || a.stats.mtimeNs !== b.stats.mtimeNs;
  return false;
}

/**
 * Compares two mounted trees (where `zfs diff` does not exist): added, deleted, modified and renamed
 * paths, sorted. A file with equal size and mtime is still hashed, since a rewrite within one timestamp
 * tick would otherwise go unseen. A clone keeps ZFS object numbers, so a deleted path and an added path
 * of the same type with the same inode number are one object moved: a rename (as `zfs diff` says R).
 */
export async function compareTrees(fromRoot: string, toRoot: string, maxEntries = Infinity): Promise<DiffEntry[]> {
  const [before, after] = await Promise.all([walkTree(fromRoot), walkTree(toRoot)]);
  const entries: DiffEntry[] = [];
  const add = (entry: DiffEntry): void => {
    entries.push(entry);
    if (entries.length > maxEntries) throw new TooManyChangesError(maxEntries);
  };
  for (const path of before.keys()) {
    if (!after.has(path)) add({ path, change: 'deleted' });
  }
  for (const [path, node] of after) {
    const old = before.get(path);
    if (old === undefined) {
      add({ path, change: 'added' });
    } else if (metadataDiffers(old, node)) {
      add({ path, change: 'modified' });
    } else if (node.stats.isFile() && (await sha256(join(fromRoot, path))) !== (await sha256(join(toRoot, path)))) {
      add({ path, change: 'modified' });
    }
  }
  return pairRenames(entries, before, after).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function pairRenames(entries: DiffEntry[], before: Map<string, Node>, after: Map<string, Node>): DiffEntry[] {
  const deletedByInode = new Map<bigint, string>();
  for (const entry of entries) {
    const node = before.get(entry.path);
    if (entry.change === 'deleted' && node !== undefined) deletedByInode.set(node.stats.ino, entry.path);
  }
  const renamedFrom = new Set<string>();
  const paired = entries.map((entry): DiffEntry => {
    const node = after.get(entry.path);
    if (entry.change !== 'added' || node === undefined) return entry;
    const from = deletedByInode.get(node.stats.ino);
    const old = from === undefined ? undefined : before.get(from);
    if (from === undefined || old === undefined || kind(old.stats) !== kind(node.stats)) return entry;
    deletedByInode.delete(node.stats.ino);
    renamedFrom.add(from);
    return { path: entry.path, change: 'renamed', from };
  });
  // The old path is now part of its rename entry.
  return paired.filter((entry) => !(entry.change === 'deleted' && renamedFrom.has(entry.path)));
}
