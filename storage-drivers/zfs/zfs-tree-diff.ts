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

/** One side of the comparison: a mounted tree, and the device it is on (mounts inside it are not entered). */
interface Side {
  readonly root: string;
  readonly dev: bigint;
}

async function nodeAt(side: Side, path: string): Promise<Node> {
  const stats = await lstat(join(side.root, path), { bigint: true });
  return stats.isSymbolicLink() ? { stats, link: await readlink(join(side.root, path)) } : { stats };
}

/** Entered during the walk: a directory on the tree's own filesystem. */
function entered(side: Side, node: Node): boolean {
  return node.stats.isDirectory() && node.stats.dev === side.dev;
}

/** A directory's entries, sorted (code units); none for a path that is not an entered directory. */
async function namesIn(side: Side, path: string, node: Node | undefined): Promise<string[]> {
  return node !== undefined && entered(side, node) ? (await readdir(join(side.root, path))).sort() : [];
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
 * Compares two mounted trees (where `zfs diff` does not exist, or cannot span two restore lineages): added,
 * deleted, modified and renamed paths, sorted. Both trees are walked side by side a directory at a time, so
 * memory grows with the changes and the depth, never with the size of the trees. A file with equal size and
 * mtime is still hashed, since a rewrite within one timestamp tick would otherwise go unseen. A clone keeps
 * ZFS object numbers, so a deleted path and an added path of the same type with the same inode number are one
 * object moved: a rename (as `zfs diff` says R). Past `maxEntries` changes it stops (TooManyChangesError).
 */
export async function compareTrees(fromRoot: string, toRoot: string, maxEntries = Infinity): Promise<DiffEntry[]> {
  const from: Side = { root: fromRoot, dev: (await lstat(fromRoot, { bigint: true })).dev };
  const to: Side = { root: toRoot, dev: (await lstat(toRoot, { bigint: true })).dev };
  const entries: DiffEntry[] = [];
  // Only the nodes of deleted and added paths are kept: what pairing renames needs.
  const deleted = new Map<string, Node>();
  const added = new Map<string, Node>();
  const add = (entry: DiffEntry): void => {
    entries.push(entry);
    if (entries.length > maxEntries) throw new TooManyChangesError(maxEntries);
  };
  /** `path` and everything below it exist on one side only. */
  const oneSided = async (side: Side, path: string, node: Node, change: 'added' | 'deleted'): Promise<void> => {
    add({ path, change });
    (change === 'added' ? added : deleted).set(path, node);
    for (const name of await namesIn(side, path, node)) await oneSided(side, `${path}/${name}`, await nodeAt(side, `${path}/${name}`), change);
  };
  const visit = async (path: string, before: Node | undefined, after: Node | undefined): Promise<void> => {
    const [beforeNames, afterNames] = await Promise.all([namesIn(from, path, before), namesIn(to, path, after)]);
    const afterSet = new Set(afterNames);
    const beforeSet = new Set(beforeNames);
    for (const name of [...new Set([...beforeNames, ...afterNames])].sort()) {
      const child = `${path}/${name}`;
      const old = beforeSet.has(name) ? await nodeAt(from, child) : undefined;
      const node = afterSet.has(name) ? await nodeAt(to, child) : undefined;
      if (node === undefined) {
        if (old !== undefined) await oneSided(from, child, old, 'deleted');
        continue;
      }
      if (old === undefined) {
        await oneSided(to, child, node, 'added');
        continue;
      }
      if (metadataDiffers(old, node)) add({ path: child, change: 'modified' });
      else if (node.stats.isFile() && (await sha256(join(fromRoot, child))) !== (await sha256(join(toRoot, child)))) add({ path: child, change: 'modified' });
      await visit(child, old, node);
    }
  };
  await visit('', await nodeAt(from, ''), await nodeAt(to, ''));
  return pairRenames(entries, deleted, added).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
