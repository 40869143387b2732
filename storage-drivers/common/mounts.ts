import { readFileSync } from 'node:fs';

export interface MountEntry {
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
  /** The path inside the filesystem that is mounted here (btrfs: the subvolume, "/" for the top). */
  readonly root: string;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses /proc/self/mountinfo (see proc(5)); fields after " - " are fstype, source, options. */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const leftFields = left.split(' ');
    const rightFields = right.split(' ');
    const root = leftFields[3];
    const mountPoint = leftFields[4];
    const fsType = rightFields[0];
    const source = rightFields[1];
    if (root === undefined || mountPoint === undefined || fsType === undefined || source === undefined) continue;
    entries.push({
      mountPoint: unescapeMountField(mountPoint),
      fsType,
      source: unescapeMountField(source),
      root: unescapeMountField(root),
    });
  }
  return entries;
}

/**
 * Read synchronously: procfs makes the text in memory, never waiting on a disk, and the async readFile
 * (open, fstat, reads, close: a thread-pool round trip each) cost a snapshot's capture ~1 ms.
 */
export function readMounts(): MountEntry[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** The mount whose mount point is exactly `path`, the last one if stacked. */
export function findMount(path: string): MountEntry | undefined {
  return readMounts().filter((m) => m.mountPoint === path).at(-1);
}

/** Every mount at or below `path`, deepest first (the order to unmount them in). */
export function mountsUnder(path: string): MountEntry[] {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  return readMounts()
    .filter((m) => m.mountPoint === path || m.mountPoint.startsWith(prefix))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}

/** The mount that `path` is on: the deepest mount point at or above it (the last one if stacked). */
export function mountHolding(path: string): MountEntry | undefined {
  return mountHoldingIn(readMounts(), path);
}

/** mountHolding over mounts already read (several paths asked of one reading of mountinfo). */
export function mountHoldingIn(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const covers = m.mountPoint === '/' || path === m.mountPoint || path.startsWith(`${m.mountPoint}/`);
    if (covers && (best === undefined || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}
