import type { DiffChange, DiffEntry } from '../driver.js';

const CHANGES: Readonly<Record<string, DiffChange>> = { '+': 'added', '-': 'deleted', M: 'modified', R: 'renamed' };

/** `zfs diff` escapes bytes outside printable ASCII (and spaces) as a backslash and four octal digits. */
export function unescapeZfsPath(text: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; ) {
    const match = /^\\([0-7]{4})/.exec(text.slice(index, index + 5));
    if (match?.[1] !== undefined) {
      bytes.push(Number.parseInt(match[1], 8));
      index += 5;
    } else {
      bytes.push(...Buffer.from(text.charAt(index), 'utf8'));
      index += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function relativeTo(mountPoint: string, path: string): string | undefined {
  const base = mountPoint.replace(/\/+$/, '');
  const relative = path.startsWith(`${base}/`) ? path.slice(base.length).replace(/\/+$/, '') : '';
  return relative === '' ? undefined : relative;
}

/**
 * One line of `zfs diff -H -F` output (OpenZFS): `<change>\t<type>\t<path>[\t<new path>]` with absolute
 * paths under the dataset's mount point. The dataset root itself is left out, as in tree comparison.
 */
export function parseZfsDiffLine(line: string, mountPoint: string): DiffEntry | undefined {
  const [changeCode, , rawPath, rawNewPath] = line.split('\t');
  const change = changeCode === undefined ? undefined : CHANGES[changeCode];
  if (change === undefined || rawPath === undefined) return undefined;
  const path = relativeTo(mountPoint, unescapeZfsPath(rawPath));
  if (path === undefined) return undefined;
  if (change === 'renamed' && rawNewPath !== undefined) {
    const to = relativeTo(mountPoint, unescapeZfsPath(rawNewPath));
    return to === undefined ? undefined : { path: to, change, from: path };
  }
  return { path, change };
}

export function sortByPath(entries: DiffEntry[]): DiffEntry[] {
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A whole `zfs diff` output at once (tests; the driver reads it line by line). */
export function parseZfsDiff(stdout: string, mountPoint: string): DiffEntry[] {
  return sortByPath(stdout.split('\n').flatMap((line) => parseZfsDiffLine(line, mountPoint) ?? []));
}
