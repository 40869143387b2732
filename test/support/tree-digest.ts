import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A digest per path of a directory tree: file content (sha256), symlink target, type and mode.
 * Two trees are equal byte for byte when their maps are equal; a failing assertion names the paths.
 */
export async function treeDigest(root: string): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  async function walk(dir: string, relative: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      const rel = `${relative}/${entry.name}`;
      const info = await lstat(path);
      const mode = (info.mode & 0o7777).toString(8);
      if (info.isSymbolicLink()) digests.set(rel, `link ${await readlink(path)}`);
      else if (info.isDirectory()) {
        digests.set(rel, `dir ${mode}`);
        await walk(path, rel);
      } else if (info.isFile()) {
        digests.set(rel, `file ${mode} ${createHash('sha256').update(await readFile(path)).digest('hex')}`);
      } else digests.set(rel, `special ${mode} ${info.rdev}`);
    }
  }
  await walk(root, '');
  return digests;
}

/** Paths whose digest differs between two trees (added, removed or changed), for readable failures. */
export function treeDifferences(expected: Map<string, string>, actual: Map<string, string>): string[] {
  const paths = new Set([...expected.keys(), ...actual.keys()]);
  return [...paths].filter((path) => expected.get(path) !== actual.get(path)).sort();
}

/** One sha256 over the whole tree's digests: equal hashes mean the trees are equal byte for byte. */
export async function treeHash(root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const [path, digest] of await treeDigest(root)) hash.update(`${path}\u0000${digest}\n`);
  return hash.digest('hex');
}
