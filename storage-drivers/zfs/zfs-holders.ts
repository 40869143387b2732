import { readFile, readdir, readlink } from 'node:fs/promises';
import { BusyError } from '../common/errors.js';
import type { ZfsCommands } from './zfs-commands.js';

/**
 * Which of these datasets another mount namespace (a running container that bind-mounts it) still holds.
 *
 * zfs-fuse renames a snapshot or a dataset, and promotes a clone, by unmounting and remounting the
 * datasets that depend on it. The unmount succeeds on the host while a container's namespace keeps its
 * copy of the mount, and the remount then fails ("mountpoint or dataset is busy"): the dataset stays
 * unmounted on the host until the container stops. Callers skip or refuse such an operation instead.
 * One look at /proc: each other mount namespace's mountinfo is read once.
 */
export async function heldElsewhere(datasets: readonly string[]): Promise<string[]> {
  if (datasets.length === 0) return [];
  const wanted = new Set(datasets);
  const held = new Set<string>();
  const own = await readlink('/proc/self/ns/mnt').catch(() => undefined);
  const seen = new Set<string>(own === undefined ? [] : [own]);
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((entry) => /^\d+$/.test(entry));
  for (const pid of pids) {
    const namespace = await readlink(`/proc/${pid}/ns/mnt`).catch(() => undefined);
    if (namespace === undefined || seen.has(namespace)) continue;
    seen.add(namespace);
    const mountinfo = await readFile(`/proc/${pid}/mountinfo`, 'utf8').catch(() => '');
    for (const source of zfsSources(mountinfo)) if (wanted.has(source)) held.add(source);
  }
  return [...held];
}

/**
 * What zfs-fuse unmounts and remounts when it renames `name` (a dataset or a snapshot): the clones of its
 * snapshots, and theirs in turn, to any depth (`origins`: origin snapshot → clones, from getClones()).
 * Found on zfs-fuse: renaming `d@s` unmounted `e`, a clone of a snapshot of `c`, itself a clone of `d@s`.
 * A restore's lineage chain is such a chain: an old lineage's snapshot → the next lineage → the live dataset.
 */
export function dependentsOf(name: string, origins: ReadonlyMap<string, readonly string[]>): string[] {
  const found = new Set<string>();
  const visit = (source: string): void => {
    const snapshots = source.includes('@') ? [source] : [...origins.keys()].filter((origin) => origin.startsWith(`${source}@`));
    for (const snapshot of snapshots) {
      for (const clone of origins.get(snapshot) ?? []) {
        if (found.has(clone)) continue;
        found.add(clone);
        visit(clone);
      }
    }
  };
  visit(name);
  return [...found];
}

/** Sources of the zfs mounts in a mountinfo text (`... - <fstype> <source> <options>`). */
export function zfsSources(mountinfo: string): string[] {
  const sources: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const tail = line.split(' - ')[1];
    if (tail === undefined) continue;
    const [fsType, source] = tail.split(' ');
    if (fsType !== undefined && source !== undefined && /^(fuse\.)?zfs$/.test(fsType)) sources.push(source.replace(/\\040/g, ' '));
  }
  return sources;
}

/**
 * Refuses (busy, nothing changed) to `action` a dataset that zfs-fuse would rename while running containers
 * hold clones of its snapshots (to any depth): the remount would fail and leave them unmounted under those
 * containers. Restore and destroy-as-lineage both rename the dataset.
 */
export async function refuseWithHeldClones(zfs: Pick<ZfsCommands, 'getClones'>, dataset: string, action: 'restore' | 'destroy'): Promise<void> {
  const pool = dataset.split('/')[0] ?? dataset;
  const held = await heldElsewhere(dependentsOf(dataset, await zfs.getClones(pool)));
  if (held.length > 0) {
    throw new BusyError(
      `cannot ${action} ${dataset}: clones of its snapshots are in use by running containers (${held.join(', ')}); zfs-fuse would unmount them under those containers. Stop them first`,
    );
  }
}
