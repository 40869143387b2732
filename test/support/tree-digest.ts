import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface TreeDigestOptions {
  /**
   * Also owner, mtime (ns), extended attributes (via getfattr, package `attr`) and which paths are hard
   * links of one another: what a replication stream must carry besides content.
   */
  readonly metadata?: boolean;
}

/**
 * A digest per path of a directory tree: file content (sha256), symlink target, type and mode, and with
 * `metadata` more (see TreeDigestOptions). Two trees are equal when their maps are equal; a failing
 * assertion names the paths. Files are hashed as streams: a file of several GiB costs no memory.
 */
export async function treeDigest(root: string, options: TreeDigestOptions = {}): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  const xattrs = options.metadata === true ? await readXattrs(root) : new Map<string, string>();
  // Hard links: every path of an inode names the first path (in walk order) of the same inode.
  const firstPathOfInode = new Map<bigint, string>();
  async function walk(dir: string, relative: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      const rel = `${relative}/${entry.name}`;
      const info = await lstat(path, { bigint: true });
      const mode = (info.mode & 0o7777n).toString(8);
      let digest: string;
      if (info.isSymbolicLink()) digest = `link ${await readlink(path)}`;
      else if (info.isDirectory()) digest = `dir ${mode}`;
      else if (info.isFile()) digest = `file ${mode} ${await fileHash(path)}`;
      else digest = `special ${mode} ${info.rdev}`;
      if (options.metadata === true) {
        digest += ` owner ${info.uid}:${info.gid}`;
        if (!info.isSymbolicLink()) digest += ` mtime ${info.mtimeNs}`;
        const attributes = xattrs.get(rel);
        if (attributes !== undefined) digest += ` xattrs ${attributes}`;
        if (!info.isDirectory() && info.nlink > 1n) {
          const first = firstPathOfInode.get(info.ino);
          if (first === undefined) firstPathOfInode.set(info.ino, rel);
          digest += ` links ${info.nlink} first ${first ?? rel}`;
        }
      }
      digests.set(rel, digest);
      if (info.isDirectory()) await walk(path, rel);
    }
  }
  await walk(root, '');
  return digests;
}

async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** getfattr's escapes (`\ooo` octal, `\\`) back to the path's bytes. */
function unescapeGetfattr(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const octal = text[i] === '\\' ? /^[0-7]{3}/.exec(text.slice(i + 1, i + 4)) : null;
    if (octal !== null) {
      bytes.push(Number.parseInt(octal[0], 8));
      i += 3;
    } else if (text[i] === '\\' && text[i + 1] === '\\') {
      bytes.push(0x5c);
      i += 1;
    } else bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Every extended attribute below root, one getfattr call: relative path → "name=0xvalue;..." sorted. */
async function readXattrs(root: string): Promise<Map<string, string>> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('getfattr', ['--absolute-names', '-h', '-P', '-R', '-d', '-m', '-', '-e', 'hex', root], {
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (error) {
    // A filesystem without extended attributes (zfs-fuse) answers ENOTSUP for every path: it holds none.
    const raw = (error as { stderr?: unknown }).stderr;
    const stderr = typeof raw === 'string' ? raw : '';
    const lines = stderr.split('\n').filter((line) => line.trim() !== '');
    if (lines.length > 0 && lines.every((line) => /Operation not supported/.test(line))) return new Map();
    throw error;
  }
  const result = new Map<string, string>();
  for (const block of stdout.split('\n\n')) {
    const [header, ...lines] = block.split('\n').filter((line) => line !== '');
    if (header?.startsWith('# file: ') !== true) continue;
    const rel = unescapeGetfattr(header.slice('# file: '.length)).slice(root.length);
    if (rel === '') continue;
    result.set(rel, lines.sort().join(';'));
  }
  return result;
}

/** Paths whose digest differs between two trees (added, removed or changed), for readable failures. */
export function treeDifferences(expected: Map<string, string>, actual: Map<string, string>): string[] {
  const paths = new Set([...expected.keys(), ...actual.keys()]);
  return [...paths].filter((path) => expected.get(path) !== actual.get(path)).sort();
}

/** One sha256 over the whole tree's digests: equal hashes mean the trees are equal byte for byte. */
export async function treeHash(root: string, options: TreeDigestOptions = {}): Promise<string> {
  const hash = createHash('sha256');
  for (const [path, digest] of await treeDigest(root, options)) hash.update(`${path}\u0000${digest}\n`);
  return hash.digest('hex');
}
