import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * sha256 over a whole folder tree: every entry's relative path, type, mode and content (files) or
 * target (symlinks), in sorted order. Two trees with the same digest are equal byte for byte.
 */
export async function treeDigest(root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const line of await treeListing(root)) hash.update(`${line}\n`);
  return hash.digest('hex');
}

/** One line per entry: `path type mode sha256-or-target`, sorted; handy in assertion messages. */
export async function treeListing(root: string, prefix = ''): Promise<string[]> {
  const lines: string[] = [];
  const names = (await readdir(join(root, prefix))).sort();
  for (const name of names) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const path = join(root, rel);
    const stats = await lstat(path);
    const mode = (stats.mode & 0o7777).toString(8);
    if (stats.isDirectory()) {
      lines.push(`${rel} dir ${mode}`);
      lines.push(...(await treeListing(root, rel)));
    } else if (stats.isSymbolicLink()) {
      lines.push(`${rel} link ${await readlink(path)}`);
    } else {
      lines.push(`${rel} file ${mode} ${createHash('sha256').update(await readFile(path)).digest('hex')}`);
    }
  }
  return lines;
}
