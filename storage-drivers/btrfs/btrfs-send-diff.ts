import type { DiffChange, DiffEntry } from '../driver.js';

/**
 * Turns the `btrfs send --no-data -p A B | btrfs receive --dump` stream into a list of changed paths.
 *
 * How the stream speaks (btrfs-progs 5.x/6.x):
 * - every path starts with `./<subvolume name>`; a new inode is created under an orphan name
 *   `o<ino>-<gen>-<n>` and then renamed to its real place → "added";
 * - a deleted directory is first renamed to an orphan name, then its children unlinked and it rmdir'ed;
 * - `mv a b` of a file comes as `link b dest=a` + `unlink a` → "renamed" (dest of link is relative);
 * - data and metadata changes (update_extent, write, truncate, chmod, chown, xattrs, clone) → "modified".
 * `utimes` alone is ignored: every change also touches the parent directories' times, which would
 * report every ancestor as modified.
 */

const ORPHAN = /^o\d+-\d+-\d+$/;
const MODIFYING = new Set(['update_extent', 'write', 'truncate', 'chmod', 'chown', 'set_xattr', 'remove_xattr', 'clone']);
const CREATING = new Set(['mkfile', 'mkdir', 'mknod', 'mkfifo', 'mksock', 'symlink']);

/**
 * Undoes `print_path_escaped`: a backslash before special characters, C escapes, and octal for every byte
 * that is not printable ASCII, so a UTF-8 name arrives as octal bytes and is decoded as UTF-8 here.
 */
export function unescapeDumpPath(text: string): string {
  const named: Record<string, number> = { a: 7, b: 8, e: 27, f: 12, n: 10, r: 13, t: 9, v: 11 };
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] ?? '';
    if (ch !== '\\' || i + 1 >= text.length) {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const octal = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4));
    if (octal !== null) {
      bytes.push(Number.parseInt(octal[0], 8));
      i += 3;
    } else {
      const next = text[i + 1] ?? '';
      bytes.push(named[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Splits a dump line into command, path and key=value fields, keeping escaped spaces inside fields. */
function splitLine(line: string): string[] {
  return (line.match(/(?:\\.|\S)+/g) ?? []).map((field) => field);
}

/** `./snapshot/a/b` → `/a/b`; the subvolume root → `/`. */
function datasetPath(raw: string): string {
  const path = unescapeDumpPath(raw).replace(/^\.\/[^/]*/, '');
  return path === '' ? '/' : path.replace(/\/$/, '') || '/';
}

function field(fields: readonly string[], key: string): string | undefined {
  const found = fields.find((f) => f.startsWith(`${key}=`));
  return found?.slice(key.length + 1);
}

interface Change {
  change: DiffChange;
  from?: string;
}

/**
 * The dump read a line at a time (`line()`), then `entries()`. Every lookup is by key, so a dump of
 * millions of lines costs time in proportion to it; `size` is how many changes it holds so far, for a
 * caller's limit.
 */
export class SendDumpParser {
  private readonly changes = new Map<string, Change>();
  /** Orphan name → the real path it stood for (a deleted directory's old place). */
  private readonly orphans = new Map<string, string>();
  private readonly created = new Set<string>();
  /** Hard link just made at key, from the path in value: a rename if the old path is then unlinked. */
  private readonly links = new Map<string, string>();
  /** The same links by their source: old path → the link paths made from it, oldest first. */
  private readonly linksFrom = new Map<string, string[]>();

  get size(): number {
    return this.changes.size;
  }

  line(line: string): void {
    const fields = splitLine(line);
    const [command, rawPath] = fields;
    if (command === undefined || rawPath === undefined || command === 'snapshot' || command === 'subvol') return;
    const path = datasetPath(rawPath);
    if (CREATING.has(command)) {
      if (isOrphan(path)) this.created.add(path);
      else this.set(path, { change: 'added' });
    } else if (command === 'rename') {
      const dest = datasetPath(field(fields, 'dest') ?? '');
      if (this.created.delete(path)) this.set(this.real(dest), { change: 'added' });
      else if (isOrphan(dest)) this.orphans.set(dest, this.real(path));
      else {
        const from = this.real(path);
        this.changes.delete(from);
        this.set(dest, { change: 'renamed', from });
      }
    } else if (command === 'link') {
      this.addLink(path, `/${unescapeDumpPath(field(fields, 'dest') ?? '')}`);
      this.set(path, { change: 'added' });
    } else if (command === 'unlink' || command === 'rmdir') {
      const gone = this.real(path);
      const linkedTo = this.linksFrom.get(gone)?.[0];
      if (linkedTo !== undefined && this.changes.get(linkedTo)?.change === 'added') {
        this.removeLink(linkedTo);
        this.changes.set(linkedTo, { change: 'renamed', from: gone });
      } else if (this.changes.get(gone)?.change === 'added') {
        this.changes.delete(gone);
      } else {
        this.changes.set(gone, { change: 'deleted' });
      }
    } else if (MODIFYING.has(command)) {
      this.set(this.real(path), { change: 'modified' });
    }
  }

  /** Sorted by path (code units, as the service pages them). */
  entries(): DiffEntry[] {
    return [...this.changes]
      .map(([path, c]): DiffEntry => (c.from !== undefined ? { path, change: c.change, from: c.from } : { path, change: c.change }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** A path under an orphan name, put back where the orphan stood: each leading part is looked up once. */
  private real(path: string): string {
    if (this.orphans.size === 0) return path;
    for (let end = path.indexOf('/', 1); ; end = path.indexOf('/', end + 1)) {
      const prefix = end === -1 ? path : path.slice(0, end);
      const original = this.orphans.get(prefix);
      if (original !== undefined) return original + path.slice(prefix.length);
      if (end === -1) return path;
    }
  }

  private set(path: string, change: Change): void {
    if (path === '/') return;
    const previous = this.changes.get(path);
    if (change.change === 'modified' && previous !== undefined) return;
    if (change.change === 'added' && previous?.change === 'deleted') {
      this.changes.set(path, { change: 'modified' });
      return;
    }
    this.changes.set(path, change);
  }

  private addLink(path: string, from: string): void {
    this.removeLink(path);
    this.links.set(path, from);
    const made = this.linksFrom.get(from);
    if (made === undefined) this.linksFrom.set(from, [path]);
    else made.push(path);
  }

  private removeLink(path: string): void {
    const from = this.links.get(path);
    if (from === undefined) return;
    this.links.delete(path);
    const rest = (this.linksFrom.get(from) ?? []).filter((made) => made !== path);
    if (rest.length === 0) this.linksFrom.delete(from);
    else this.linksFrom.set(from, rest);
  }
}

const isOrphan = (path: string): boolean => ORPHAN.test(path.split('/').at(-1) ?? '');

/** A whole dump at once (tests; the driver feeds the parser line by line). */
export function parseSendDump(text: string): DiffEntry[] {
  const parser = new SendDumpParser();
  for (const line of text.split('\n')) parser.line(line);
  return parser.entries();
}
