import type { PropertyRow, ZfsCommands } from './zfs-commands.js';
import { groupRows } from './zfs-commands.js';
import { isNotFound } from './zfs-errors.js';
import type { ZfsNames } from './zfs-names.js';

/** cowsnap's user properties (ZFS keeps them on datasets and snapshots, zfs-fuse included). */
export const PROP = {
  /** The logical dataset a physical dataset belongs to (set locally on every dataset cowsnap makes). */
  dataset: 'cowsnap:dataset',
  /** Snapshot creation time in ms (ZFS's own `creation` has whole seconds only). */
  created: 'cowsnap:created',
  /** Set on a snapshot that was deleted while a clone still needs it: hidden, freed when the clone goes. */
  deleted: 'cowsnap:deleted',
  /** On the restored copy while a restore is under way: the restore id. */
  restoreNew: 'cowsnap:restore-new',
  /** On the old dataset while a restore is under way: the restore id. */
  restoreOld: 'cowsnap:restore-old',
  /** Never set: clearing it is a no-op sync task that waits for space accounting to settle. */
  settle: 'cowsnap:settle',
} as const;

/** A snapshot as it physically sits: `dataset` may be the logical dataset or one of its lineages. */
export interface PhysicalSnapshot {
  /** Full ZFS name, `physical@name`. */
  readonly full: string;
  readonly physical: string;
  readonly name: string;
  readonly createdAt: Date;
  /** Deleted (deferred or tombstoned) but still kept because a clone depends on it. */
  readonly dead: boolean;
}

export const SNAPSHOT_PROPERTIES = ['creation', 'defer_destroy', PROP.created, PROP.deleted] as const;

/** Snapshots (oldest first) from `zfs get -r -d 1` rows of the given physical datasets. */
export function snapshotsFromRows(rows: readonly PropertyRow[], physicals: readonly string[]): PhysicalSnapshot[] {
  const wanted = new Set(physicals);
  const found: { snapshot: PhysicalSnapshot; order: number }[] = [];
  for (const [full, props] of groupRows(rows)) {
    const at = full.indexOf('@');
    if (at < 0) continue;
    const physical = full.slice(0, at);
    if (!wanted.has(physical)) continue;
    const createdMs = Number(props.get(PROP.created)?.value);
    const creation = Number(props.get('creation')?.value) * 1000;
    const deleted = props.get(PROP.deleted)?.value ?? '-';
    found.push({
      order: found.length,
      snapshot: {
        full,
        physical,
        name: full.slice(at + 1),
        createdAt: new Date(Number.isFinite(createdMs) && createdMs > 0 ? createdMs : creation),
        dead: props.get('defer_destroy')?.value === 'on' || deleted !== '-',
      },
    });
  }
  // ZFS lists each dataset's snapshots in creation order; that order breaks ties within one millisecond.
  found.sort((a, b) => a.snapshot.createdAt.getTime() - b.snapshot.createdAt.getTime() || a.order - b.order);
  return found.map((entry) => entry.snapshot);
}

/**
 * Where a logical dataset's snapshots physically are. A restore moves the old dataset, with its
 * snapshots, into `<root>/cowsnap-internal/lineage-<id>`, tagged with the logical name; the snapshots of
 * the dataset and of all its lineages together are the snapshots the user sees.
 */
export class ZfsCatalog {
  constructor(
    private readonly zfs: ZfsCommands,
    private readonly names: ZfsNames,
  ) {}

  /** Lineage datasets of `dataset`, oldest restore first. */
  async lineages(dataset: string): Promise<string[]> {
    let rows: PropertyRow[];
    try {
      rows = await this.zfs.getProperties([this.names.internal], [PROP.dataset], 1);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    return rows
      .filter((row) => row.value === dataset && row.source === 'local' && this.names.parseInternal(row.name)?.kind === 'lineage')
      .map((row) => row.name);
  }

  /** The dataset itself (when it exists: destroying it keeps its snapshots in a lineage) and its lineages. */
  async physicals(dataset: string): Promise<string[]> {
    const lineages = await this.lineages(dataset);
    return (await this.zfs.datasetExists(dataset)) ? [dataset, ...lineages] : lineages;
  }

  /** Snapshots physically in one dataset, dead ones included, oldest first. */
  async snapshotsOf(physical: string): Promise<PhysicalSnapshot[]> {
    return snapshotsFromRows(await this.zfs.getProperties([physical], SNAPSHOT_PROPERTIES, 1), [physical]);
  }

  /** Every snapshot of the logical dataset, oldest first; dead ones only when asked for. */
  async snapshots(dataset: string, options: { includeDead?: boolean } = {}): Promise<PhysicalSnapshot[]> {
    const physicals = await this.physicals(dataset);
    const rows = await this.zfs.getProperties(physicals, SNAPSHOT_PROPERTIES, 1);
    const all = snapshotsFromRows(rows, physicals);
    return options.includeDead === true ? all : all.filter((snapshot) => !snapshot.dead);
  }

  /**
   * One live snapshot, looked up by name in each physical dataset: a constant number of calls however
   * many snapshots there are (deleted ones are renamed away, so a name that exists is a live one).
   */
  async find(dataset: string, name: string): Promise<PhysicalSnapshot | undefined> {
    for (const physical of await this.physicals(dataset)) {
      let rows: PropertyRow[];
      try {
        rows = await this.zfs.getProperties([`${physical}@${name}`], SNAPSHOT_PROPERTIES);
      } catch (error) {
        if (isNotFound(error)) continue;
        throw error;
      }
      const found = snapshotsFromRows(rows, [physical]).find((snapshot) => !snapshot.dead);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
