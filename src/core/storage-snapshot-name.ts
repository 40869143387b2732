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
