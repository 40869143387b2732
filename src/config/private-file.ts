/**
 * The token file and the key file guard root-level operations and every stored secret. Both must be
 * regular files that only their owner can read or write, and that owner must be the user cowsnap runs as
 * (or root): a file another user owns can be swapped by that user, whatever its mode.
 */
import type { Stats } from 'node:fs';

export function privateFileProblem(path: string, stats: Stats): string | null {
  if (!stats.isFile()) return 'is not a regular file';
  if ((stats.mode & 0o077) !== 0) {
    return `is accessible to group or others (mode ${(stats.mode & 0o777).toString(8)}); run: chmod 600 ${path}`;
  }
  const me = process.getuid?.();
  if (me !== undefined && stats.uid !== me && stats.uid !== 0) {
    return `is owned by uid ${stats.uid}, not by the user cowsnap runs as (uid ${me}) or root; run: chown ${me} ${path}`;
  }
  return null;
}
