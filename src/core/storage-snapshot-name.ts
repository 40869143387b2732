/**
 * The name of a snapshot on the storage side. Includes the record id so two containers sharing a
 * pool dataset can never collide, and the snapshot name so an operator can read `btrfs`/`zfs` listings.
 */
export function storageSnapshotName(recordId: number, name: string): string {
  return `${name}.cs${recordId}`;
}
