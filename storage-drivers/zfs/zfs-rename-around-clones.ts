import { BusyError } from '../common/errors.js';
import type { ZfsCommands } from './zfs-commands.js';
import { dependentsOf, heldElsewhere } from './zfs-holders.js';

/**
 * zfs-fuse cannot rename a dataset while a clone of one of its snapshots (to any depth: a copy made from
 * the container, a clone of that copy's snapshot...) is mounted, even when nobody uses the clone: every
 * attempt answers "dataset is busy" (found by chaos seed 31; each failed attempt costs zfs-fuse 1.5–5 s).
 * So a dataset with a `cowsnap-copy-*` clone could be neither restored nor destroyed as a lineage.
 *
 * Around such a rename the mounted dependent clones are unmounted (deepest first) and mounted again after
 * (whether the rename worked or not). A clone that a running container holds (its mount namespace keeps the
 * mount) cannot be mounted again under it (zfs-holders.ts): then the rename is refused up front, busy,
 * nothing touched. OpenZFS 2.x renames with mounted clones fine; the caller uses this on zfs-fuse only.
 * A clone that cannot be mounted again (something wrote into its bare folder meanwhile) is left unmounted,
 * as zfs-fuse's own remounts leave it (ZfsCommands.rename): the rename stands, and the failure is not the
 * rename's. Returns those left unmounted, each with the mount's failure.
 */
export async function withDependentClonesUnmounted(zfs: ZfsCommands, name: string, rename: () => Promise<void>): Promise<{ dataset: string; error: string }[]> {
  const pool = name.split('/')[0] ?? name;
  const dependents = dependentsOf(name, await zfs.getClones(pool));
  if (dependents.length === 0) {
    await rename();
    return [];
  }
  const rows = await zfs.getProperties(dependents, ['mounted']);
  const mounted = dependents.filter((clone) => rows.some((row) => row.name === clone && row.value === 'yes'));
  const held = await heldElsewhere(mounted);
  if (held.length > 0) {
    throw new BusyError(`cannot rename ${name}: clones of its snapshots are in use by running containers (${held.join(', ')}); stop them first`);
  }
  const unmounted: string[] = [];
  const leftUnmounted: { dataset: string; error: string }[] = [];
  try {
    // dependentsOf lists a clone before the clones of its snapshots: the deepest go first.
    for (const clone of [...mounted].reverse()) {
      await zfs.unmount(clone);
      unmounted.unshift(clone);
    }
    await rename();
  } finally {
    // Mounted again also when an unmount or the rename failed: nothing stays unmounted because of us.
    for (const clone of unmounted) {
      try {
        await zfs.ensureMounted(clone);
      } catch (error) {
        leftUnmounted.push({ dataset: clone, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
  return leftUnmounted;
}
