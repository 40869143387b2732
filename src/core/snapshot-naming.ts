/** `snap-YYYYMMDD-HHMMSS` in UTC; the store appends -2, -3, ... within the same second. */
export function baseSnapshotName(createdAt: Date): string {
  const iso = createdAt.toISOString(); // 2026-11-22T08:45:12.345Z
  return `snap-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

/**
 * The name of a snapshot on the storage side. Includes the record id so two containers sharing a
 * pool dataset can never collide, and the snapshot name so an operator can read `btrfs`/`zfs` listings.
 */
export function storageSnapshotName(recordId: number, name: string): string {
  return `${name}.cs${recordId}`;
}

export function expiryFrom(now: Date, days: number | undefined | null): Date | null {
  if (days === undefined || days === null) return null;
  return new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
}
