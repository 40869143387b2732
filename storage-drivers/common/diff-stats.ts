/**
 * Adds type and sizes before/after to diff entries by looking at both trees while they are mounted
 * (a snapshot's folder, a temporary clone, the frozen live state). One lstat per side per entry.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stats } from 'node:fs';
import type { DiffEntry, DiffFileType } from '../driver.js';

export function fileType(stats: Pick<Stats, 'isFile' | 'isDirectory' | 'isSymbolicLink'>): DiffFileType {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch {
    return null;
  }
}

/** Where a path was before: its own old path when renamed, or under the old path of a renamed folder above it. */
function pathBefore(entry: DiffEntry, renamedFolders: readonly (readonly [string, string])[]): string {
  if (entry.from !== undefined) return entry.from;
  const folder = renamedFolders.find(([now]) => entry.path.startsWith(`${now}/`));
  return folder === undefined ? entry.path : folder[1] + entry.path.slice(folder[0].length);
}

export async function withStats(entries: readonly DiffEntry[], beforeRoot: string, afterRoot: string): Promise<DiffEntry[]> {
  // Longest first, so the innermost renamed folder wins.
  const renamedFolders = entries
    .flatMap((e) => (e.from === undefined ? [] : [[e.path, e.from] as const]))
    .sort((a, b) => b[0].length - a[0].length);
  const described: DiffEntry[] = [];
  for (const entry of entries) {
    const before = entry.change === 'added' ? null : await statOrNull(join(beforeRoot, pathBefore(entry, renamedFolders)));
    const after = entry.change === 'deleted' ? null : await statOrNull(join(afterRoot, entry.path));
    const shown = after ?? before;
    described.push({
      ...entry,
      ...(shown !== null && { type: fileType(shown) }),
      sizeBefore: before !== null && !before.isDirectory() ? before.size : null,
      sizeAfter: after !== null && !after.isDirectory() ? after.size : null,
    });
  }
  return described;
}
