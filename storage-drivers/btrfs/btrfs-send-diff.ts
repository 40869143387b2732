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

export function parseSendDump(text: string): DiffEntry[] {
  const changes = new Map<string, Change>();
  // Orphan name → the real path it stood for (a deleted directory's old place).
  const orphans = new Map<string, string>();
  const created = new Set<string>();
  // Hard link just made at key, from the path in value: a rename if the old path is then unlinked.
  const links = new Map<string, string>();

  const real = (path: string): string => {
    for (const [orphan, original] of orphans) {
      if (path === orphan || path.startsWith(`${orphan}/`)) return original + path.slice(orphan.length);
    }
    return path;
  };
  const isOrphan = (path: string): boolean => ORPHAN.test(path.split('/').at(-1) ?? '');
  const set = (path: string, change: Change): void => {
    if (path === '/') return;
    const previous = changes.get(path);
    if (change.change === 'modified' && previous !== undefined) return;
    if (change.change === 'added' && previous?.change === 'deleted') {
      changes.set(path, { change: 'modified' });
      return;
    }
    changes.set(path, change);
  };

  for (const line of text.split('\n')) {
    const fields = splitLine(line);
    const [command, rawPath] = fields;
    if (command === undefined || rawPath === undefined || command === 'snapshot' || command === 'subvol') continue;
    const path = datasetPath(rawPath);
    if (CREATING.has(command)) {
      if (isOrphan(path)) created.add(path);
      else set(path, { change: 'added' });
    } else if (command === 'rename') {
      const dest = datasetPath(field(fields, 'dest') ?? '');
      if (created.delete(path)) set(real(dest), { change: 'added' });
      else if (isOrphan(dest)) orphans.set(dest, real(path));
      else {
        const from = real(path);
        changes.delete(from);
        set(dest, { change: 'renamed', from });
      }
    } else if (command === 'link') {
      const dest = `/${unescapeDumpPath(field(fields, 'dest') ?? '')}`;
      links.set(path, dest);
      set(path, { change: 'added' });
    } else if (command === 'unlink' || command === 'rmdir') {
      const gone = real(path);
      const linkedTo = [...links].find(([, from]) => from === gone)?.[0];
      if (linkedTo !== undefined && changes.get(linkedTo)?.change === 'added') {
        links.delete(linkedTo);
        changes.set(linkedTo, { change: 'renamed', from: gone });
      } else if (changes.get(gone)?.change === 'added') {
        changes.delete(gone);
      } else {
        changes.set(gone, { change: 'deleted' });
      }
    } else if (MODIFYING.has(command)) {
      set(real(path), { change: 'modified' });
    }
  }
  return [...changes]
    .map(([path, c]): DiffEntry => (c.from !== undefined ? { path, change: c.change, from: c.from } : { path, change: c.change }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
