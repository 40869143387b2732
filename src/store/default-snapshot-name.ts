/**
 * Snapshot names (design.md §3): `snap-YYYYMMDD-HHMMSS` in UTC, then `-2`, `-3`, ... for further
 * snapshots of the same container in the same second.
 */

export function baseSnapshotName(createdAt: Date): string {
  const iso = createdAt.toISOString(); // 2026-11-22T08:45:12.345Z
  return `snap-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

/**
 * The next free name after `taken` (names of the container that start with `base`). Counts on from
 * the highest suffix in use rather than filling gaps, so names keep their creation order.
 */
export function nextSnapshotName(base: string, taken: readonly string[]): string {
  let highest = 0;
  for (const name of taken) {
    if (name === base) highest = Math.max(highest, 1);
    const suffix = name.startsWith(`${base}-`) ? name.slice(base.length + 1) : '';
    if (/^[1-9][0-9]*$/.test(suffix)) highest = Math.max(highest, Number(suffix));
  }
  return highest === 0 ? base : `${base}-${highest + 1}`;
}
